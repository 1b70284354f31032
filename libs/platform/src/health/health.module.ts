import {
  Controller,
  Get,
  Global,
  Header,
  Injectable,
  Module,
  ServiceUnavailableException,
} from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Services register what must hold before they take traffic: database reachable, consumers caught up. */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const results: Record<string, boolean> = {};
    for (const [name, check] of this.checks) {
      try {
        results[name] = await withTimeout(Promise.resolve(check()), 2000);
      } catch {
        results[name] = false;
      }
    }
    return { ready: Object.values(results).every(Boolean), checks: results };
  }
}

@Controller()
class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  /** Liveness depends on nothing outside the process: a broken database must not restart pods. */
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, boolean> }> {
    const result = await this.readiness.evaluate();
    if (!result.ready) throw new ServiceUnavailableException({ status: 'not-ready', checks: result.checks });
    return { status: 'ready', checks: result.checks };
  }

  @Get('metrics')
  @Header('content-type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

let defaultMetricsStarted = false;

@Global()
@Module({ controllers: [HealthController], providers: [ReadinessRegistry], exports: [ReadinessRegistry] })
export class HealthModule {
  constructor() {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics();
      defaultMetricsStarted = true;
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

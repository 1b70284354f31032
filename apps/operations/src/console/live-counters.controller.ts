import { Get, Inject } from '@nestjs/common';
import { ApiOperation, CONFIG, AdminController } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import { liveCountersSchema, type MetricSample, type ServiceCounters } from './dto/live-counters.dto.js';

/** Metric names worth a glance on the console: sockets, message rates, consumer lag. */
const INTERESTING = /socket|connection|state_?change|message|mail|push|lag|consumer|delivered|stored/i;
const MAX_SAMPLES = 60;

/** The live counters of the console: a few of each service's Prometheus metrics, read on request. */
@AdminController('admin/live', 'diagnostics')
export class LiveCountersController {
  constructor(@Inject(CONFIG) private readonly config: OperationsConfig) {}

  @Get()
  @ApiOperation(
    'getLiveCounters',
    "The console's live counters: sockets, message rates and consumer lag from each service's /metrics",
    { 200: ['Samples per service (CONSOLE_METRICS_URLS)', liveCountersSchema] },
    [401],
  )
  async counters(): Promise<{ at: string; services: ServiceCounters[] }> {
    const targets = this.config.CONSOLE_METRICS_URLS.map((pair) => {
      const [service, ...url] = pair.split('=');
      return { service: service ?? pair, url: url.join('=') };
    }).filter((target) => target.url.length > 0);
    const services = await Promise.all(targets.map((target) => read(target.service, target.url)));
    return { at: new Date().toISOString(), services };
  }
}

async function read(service: string, url: string): Promise<ServiceCounters> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return { service, ok: false, error: `HTTP ${response.status}`, samples: [] };
    return { service, ok: true, samples: parseMetrics(await response.text()) };
  } catch (error) {
    return { service, ok: false, error: error instanceof Error ? error.message : String(error), samples: [] };
  }
}

export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || !INTERESTING.test(match[1]) || match[1].endsWith('_bucket')) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    samples.push({ name: match[1], labels: match[2] ?? '', value });
    if (samples.length >= MAX_SAMPLES) break;
  }
  return samples;
}

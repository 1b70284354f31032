import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@pushmail/platform';
import { DeviceLastSeen } from '../auth/device-last-seen.js';
import { RegistryClient } from '@pushmail/edge';
import type { PushConfig } from '../config/push-config.js';

const MAX_PER_REPORT = 5000;

/**
 * Reports when devices were last seen on this replica (and from where) to device-registry, which
 * keeps each partnership's first and last sync. A failed report is retried with the next one.
 */
@Injectable()
export class DeviceActivityReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private readonly log: Logger;

  constructor(
    @Inject(DeviceLastSeen) private readonly lastSeen: DeviceLastSeen,
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(CONFIG) private readonly config: PushConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'device-activity' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.config.DEVICE_ACTIVITY_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Sends what was seen since the last report; one report at a time. */
  async flush(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.report().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async report(): Promise<void> {
    const sightings = this.lastSeen.takeUnreported();
    for (let start = 0; start < sightings.length; start += MAX_PER_REPORT) {
      const batch = sightings.slice(start, start + MAX_PER_REPORT);
      try {
        await this.registry.reportActivity(
          batch.map((sighting) => ({
            accountId: sighting.accountId,
            deviceId: sighting.deviceId,
            seenAt: sighting.lastSeenAt.toISOString(),
            clientAddress: sighting.address ?? null,
          })),
        );
        if (this.failing) this.log.info('reporting device activity recovered');
        this.failing = false;
      } catch (error) {
        this.lastSeen.restore(sightings.slice(start));
        if (!this.failing)
          this.log.warn(
            { reason: error instanceof Error ? error.message : String(error) },
            'reporting device activity failed; will retry',
          );
        this.failing = true;
        return;
      }
    }
  }
}

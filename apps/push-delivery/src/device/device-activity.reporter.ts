import { Inject, Injectable } from '@nestjs/common';
import { type ActivityReport, DeviceActivityReporterBase, RegistryClient } from '@pushmail/edge';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DeviceLastSeen, type DeviceSighting } from '../auth/device-last-seen.js';
import type { PushConfig } from '../config/push-config.js';

/** Reports when JMAP devices were last seen on this replica, and from where. */
@Injectable()
export class DeviceActivityReporter extends DeviceActivityReporterBase<DeviceSighting> {
  constructor(
    @Inject(DeviceLastSeen) private readonly lastSeen: DeviceLastSeen,
    @Inject(RegistryClient) registry: RegistryClient,
    @Inject(CONFIG) config: PushConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(registry, config.DEVICE_ACTIVITY_FLUSH_MS, logger);
  }

  protected takeUnreported(): DeviceSighting[] {
    return this.lastSeen.takeUnreported();
  }

  protected restore(unreported: DeviceSighting[]): void {
    this.lastSeen.restore(unreported);
  }

  protected async reportsOf(batch: DeviceSighting[]): Promise<ActivityReport[]> {
    return batch.map((sighting) => ({
      accountId: sighting.accountId,
      deviceId: sighting.deviceId,
      seenAt: sighting.lastSeenAt.toISOString(),
      clientAddress: sighting.address ?? null,
    }));
  }
}

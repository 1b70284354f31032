import type { Logger } from 'pino';
import { PeriodicFlush } from './periodic-flush.js';
import type { ActivityReport, RegistryClient } from './registry-client.js';

const MAX_PER_REPORT = 5000;

/**
 * Reports the devices seen on this replica to device-registry (its internal activity endpoint,
 * in batches of at most 5000), which keeps each partnership's first and last sync. One report at
 * a time, every `flushMs` and once more at shutdown; a failed report gives its sightings back, to
 * go with the next one. A service says where its sightings come from and what it reports of them.
 */
export abstract class DeviceActivityReporterBase<Sighting> extends PeriodicFlush {
  private failing = false;

  protected constructor(
    private readonly registry: RegistryClient,
    flushMs: number,
    logger: Logger,
  ) {
    super(flushMs, logger.child({ component: 'device-activity' }));
  }

  /** Everything seen since the last report, taken out of the service's keeping. */
  protected abstract takeUnreported(): Sighting[];
  /** Sightings a failed report could not deliver, to go with the next one. */
  protected abstract restore(unreported: Sighting[]): void;
  protected abstract reportsOf(batch: Sighting[]): Promise<ActivityReport[]>;

  /** Sends what was seen since the last report. */
  protected async send(): Promise<void> {
    const sightings = this.takeUnreported();
    for (let start = 0; start < sightings.length; start += MAX_PER_REPORT) {
      const batch = sightings.slice(start, start + MAX_PER_REPORT);
      try {
        await this.registry.reportActivity(await this.reportsOf(batch));
        if (this.failing) this.log.info('reporting device activity recovered');
        this.failing = false;
      } catch (error) {
        this.restore(sightings.slice(start));
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

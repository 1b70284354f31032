import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type DeviceTrailRecordV1, deviceTrailTopic, type DeviceTrailV1 } from '@pushmail/contracts';
import { CONFIG, EventProducer, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { ActiveSyncConfig } from '../config/activesync-config.js';

const MAX_BUFFERED = 20_000;
const MAX_PER_BATCH = 500;

/**
 * The device diagnostic trail, as push-delivery keeps it: records go into memory synchronously and
 * a timer publishes them per account to `pushmail.device.trail.v1`, where operations reads them
 * for the findings. Best effort: a full buffer or a failed publish drops records, and says so.
 */
@Injectable()
export class DeviceTrail implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private buffer = new Map<string, DeviceTrailRecordV1[]>();
  private buffered = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly source = `activesync@${hostname()}`;
  private readonly log: Logger;

  constructor(
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'trail' });
  }

  record(accountId: string, record: Omit<DeviceTrailRecordV1, 'at'> & { at?: string }): void {
    if (this.config.TRAIL_FLUSH_MS === 0) return;
    if (this.buffered >= MAX_BUFFERED) {
      this.dropped += 1;
      return;
    }
    const records = this.buffer.get(accountId) ?? [];
    records.push({ ...record, at: record.at ?? new Date().toISOString() });
    this.buffer.set(accountId, records);
    this.buffered += 1;
  }

  onApplicationBootstrap(): void {
    if (this.config.TRAIL_FLUSH_MS === 0) return;
    this.timer = setInterval(() => void this.flush(), this.config.TRAIL_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  flush(): Promise<void> {
    this.flushing ??= this.publish().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async publish(): Promise<void> {
    const taken = this.buffer;
    this.buffer = new Map();
    this.buffered = 0;
    if (this.dropped > 0) {
      this.log.warn({ dropped: this.dropped }, 'dropped trail records: the buffer was full');
      this.dropped = 0;
    }
    const batches: DeviceTrailV1[] = [];
    for (const [accountId, records] of taken) {
      for (let start = 0; start < records.length; start += MAX_PER_BATCH) {
        batches.push({
          batchId: randomUUID(),
          accountId,
          source: this.source,
          records: records.slice(start, start + MAX_PER_BATCH),
        });
      }
    }
    if (batches.length === 0) return;
    try {
      await this.producer.publish(deviceTrailTopic, batches);
    } catch (error) {
      this.log.warn({ err: error, batches: batches.length }, 'could not publish the device trail; dropped');
    }
  }
}

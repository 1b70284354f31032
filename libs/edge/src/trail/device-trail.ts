import { hostname } from 'node:os';
import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { deviceTrailTopic } from '@pushmail/contracts';
import { CONFIG, EventProducer, LOGGER, SERVICE_NAME } from '@pushmail/platform';
import type { Logger } from 'pino';
import { PeriodicFlush } from '../periodic-flush.js';
import { TrailBuffer, type TrailInput } from './trail-buffer.js';

/** What a device-edge service's config says about its trail; a flush interval of 0 turns it off. */
export interface DeviceTrailConfig {
  TRAIL_FLUSH_MS: number;
  TRAIL_MAX_BUFFERED?: number;
  /** How long a device's fold of pushes stays open from its first record. */
  TRAIL_FOLD_MS?: number;
  /** The same for its pings and pongs. */
  TRAIL_HEARTBEAT_FOLD_MS?: number;
}

const DEFAULT_MAX_BUFFERED = 20_000;

/**
 * The device diagnostic trail: callers record synchronously into memory, a timer publishes the
 * batches to `pushmail.device.trail.v1`. A failed publish drops the batch (diagnostics are best
 * effort and must never hold back mail), and the drop is logged.
 */
@Injectable()
export class DeviceTrail extends PeriodicFlush {
  private readonly buffer: TrailBuffer;
  /** Per account, the trace context of the last push, carried by the account's next batch. */
  private traceHeaders = new Map<string, Record<string, string>>();
  /** Set at shutdown: the last send takes the open folds too. */
  private closing = false;

  constructor(
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(CONFIG) private readonly config: DeviceTrailConfig,
    @Inject(SERVICE_NAME) serviceName: string,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(config.TRAIL_FLUSH_MS, logger.child({ component: 'trail' }));
    this.buffer = new TrailBuffer(
      config.TRAIL_MAX_BUFFERED ?? DEFAULT_MAX_BUFFERED,
      `${serviceName}-${hostname()}-${process.pid}`,
      // A service whose config does not say folds only within one flush.
      { pushMs: config.TRAIL_FOLD_MS ?? 0, heartbeatMs: config.TRAIL_HEARTBEAT_FOLD_MS ?? 0 },
    );
  }

  record(accountId: string, input: TrailInput): void {
    if (this.config.TRAIL_FLUSH_MS === 0) return;
    this.buffer.record(accountId, input);
  }

  traceNextBatch(accountId: string, headers: Record<string, string>): void {
    if (this.config.TRAIL_FLUSH_MS === 0 || !headers.traceparent) return;
    this.traceHeaders.set(accountId, headers);
  }

  override async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await super.beforeApplicationShutdown();
  }

  /** Publishes the buffered records (after the sockets closed, at shutdown, before the producer closes). */
  protected async send(): Promise<void> {
    const batches = this.buffer.drain(this.closing);
    // A push's trace context waits for the account's next batch, which a fold may hold past this send.
    const traceHeaders = this.traceHeaders;
    this.traceHeaders = new Map();
    const sent = new Set(batches.map((batch) => batch.accountId));
    for (const [accountId, headers] of traceHeaders)
      if (!sent.has(accountId) && this.buffer.holds(accountId)) this.traceHeaders.set(accountId, headers);
    if (this.buffer.dropped > 0) {
      this.log.warn({ dropped: this.buffer.dropped }, 'dropped trail records: the buffer was full');
      this.buffer.dropped = 0;
    }
    if (batches.length === 0) return;
    try {
      await this.producer.publish(
        deviceTrailTopic,
        batches,
        (batch) => traceHeaders.get(batch.accountId) ?? {},
      );
    } catch (error) {
      this.log.warn({ err: error, batches: batches.length }, 'could not publish the device trail; dropped');
    }
  }
}

@Global()
@Module({ providers: [DeviceTrail], exports: [DeviceTrail] })
export class TrailModule {}

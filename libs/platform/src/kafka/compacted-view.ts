import { randomUUID } from 'node:crypto';
import { decodeEvent, type TopicDefinition } from '@pushmail/contracts';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  type ConsumedTopicMetrics,
  type KafkaMetrics,
  processKafkaMetrics,
} from '../metrics/kafka-metrics.js';

export interface CompactedViewOptions<S extends z.ZodType> {
  topic: TopicDefinition<S>;
  /** Prefix of this replica's private consumer group: every replica reads the whole topic. */
  groupPrefix: string;
  /** Orders snapshots of one key; an older one arriving late is ignored. */
  revisionOf: (event: z.infer<S>) => number;
  onChange?: (key: string, next: z.infer<S> | undefined, previous: z.infer<S> | undefined) => void;
  /** Where snapshots read and lag are counted; the process's metrics unless given. */
  metrics?: KafkaMetrics;
}

/**
 * This replica's in-memory copy of a compacted topic: the latest snapshot per key. `ready` resolves
 * once everything present on the topic at start has been read, so a service can refuse traffic
 * until it knows every account.
 */
export class CompactedTopicView<S extends z.ZodType> {
  private readonly entries = new Map<string, z.infer<S>>();
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private readonly metrics: ConsumedTopicMetrics;
  private caughtUp = false;
  private resolveReady!: () => void;
  readonly ready = new Promise<void>((resolve) => {
    this.resolveReady = resolve;
  });

  constructor(
    private readonly kafka: Kafka,
    logger: Logger,
    private readonly options: CompactedViewOptions<S>,
  ) {
    this.log = logger.child({ component: 'view', topic: options.topic.name });
    this.metrics = (options.metrics ?? processKafkaMetrics()).consumerOf(options.topic.name);
    this.consumer = kafka.consumer({
      groupId: `${options.groupPrefix}-${randomUUID()}`,
      // A fetch answers as soon as there is data; the wait only bounds how often an idle consumer asks.
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
  }

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): z.infer<S> | undefined {
    return this.entries.get(key);
  }

  values(): IterableIterator<z.infer<S>> {
    return this.entries.values();
  }

  async start(): Promise<void> {
    const targets = await this.fetchTargets();
    const checkCaughtUp = () => {
      if (!this.caughtUp && targets.size === 0) {
        this.caughtUp = true;
        this.log.info({ entries: this.entries.size }, 'view caught up');
        this.resolveReady();
      }
    };
    checkCaughtUp();

    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic.name], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const key = message.key?.toString('utf8');
          if (key !== undefined) this.apply(key, message.value);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          this.metrics.consumed.inc(batch.messages.length);
          this.metrics.position(batch.partition, batch.highWatermark, Number(last.offset) + 1);
        }
        const target = targets.get(batch.partition);
        if (target !== undefined && BigInt(batch.highWatermark) >= target) {
          if (last && BigInt(last.offset) + 1n >= target) targets.delete(batch.partition);
        }
        checkCaughtUp();
      },
    });
  }

  /** The end of every partition at start; retried while a just-created topic elects its leaders. */
  private async fetchTargets(): Promise<Map<number, bigint>> {
    const deadline = Date.now() + 120_000;
    for (let attempt = 1; ; attempt += 1) {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        const targets = new Map<number, bigint>();
        for (const partition of await admin.fetchTopicOffsets(this.options.topic.name)) {
          if (BigInt(partition.high) > BigInt(partition.low))
            targets.set(partition.partition, BigInt(partition.high));
        }
        return targets;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        this.log.warn({ err: error, attempt }, 'reading the topic offsets failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * attempt)));
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    this.metrics.forgetPartitions();
  }

  private apply(key: string, value: Buffer | null): void {
    const previous = this.entries.get(key);
    if (value === null || value.length === 0) {
      this.entries.delete(key);
      this.options.onChange?.(key, undefined, previous);
      return;
    }
    const decoded = decodeEvent(this.options.topic, value);
    if (!decoded.ok) {
      this.log.warn({ key, reason: decoded.reason }, 'ignoring an invalid snapshot');
      return;
    }
    if (previous && this.options.revisionOf(previous) > this.options.revisionOf(decoded.event)) return;
    this.entries.set(key, decoded.event);
    this.options.onChange?.(key, decoded.event, previous);
  }
}

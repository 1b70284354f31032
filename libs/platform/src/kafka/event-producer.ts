import { encodeEvent, type TopicDefinition } from '@pushmail/contracts';
import type { Kafka, Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type KafkaMetrics, processKafkaMetrics } from '../metrics/kafka-metrics.js';

/** One caller's events, waiting for the next produce request. */
interface PendingPublish {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve: (metadata: RecordMetadata[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Events of callers that arrive while a request is in flight are gathered into the next request, up
 * to this many bytes of keys and values; one caller's events are never split.
 */
const DEFAULT_MAX_GATHERED_BYTES = 1024 * 1024;

const DISCONNECT_DRAIN_MS = 15_000;

export interface EventProducerOptions {
  maxGatheredBytes?: number;
}

/**
 * Publishes validated events. Idempotent producer with acknowledgement from every in-sync
 * replica: a resolved `publish` means the broker has the events durably.
 *
 * The idempotent producer keeps one request in flight, so concurrent callers would each wait for
 * every request queued before theirs. Instead, what arrives while a request is in flight goes out
 * together in the next one (in arrival order, so each key's order holds): the cost of a request is
 * paid per batch, not per caller, and a caller waits for at most one request ahead of its own.
 */
export class EventProducer {
  private readonly producer: Producer;
  private connected = false;
  private readonly pending: PendingPublish[] = [];
  private sending: Promise<void> | undefined;
  private readonly maxGatheredBytes: number;

  constructor(
    kafka: Kafka,
    private readonly logger: Logger,
    private readonly metrics: KafkaMetrics = processKafkaMetrics(),
    options: EventProducerOptions = {},
  ) {
    this.maxGatheredBytes = options.maxGatheredBytes ?? DEFAULT_MAX_GATHERED_BYTES;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // An idempotent producer must not give up on a batch: kafkajs hands a later batch the sequence
      // numbers of one it abandoned, and if the broker had in fact written the abandoned one it takes
      // the later batch for a duplicate and drops it while answering success. So a batch is retried
      // (at most a second apart) until the broker answers; callers that cannot wait bound their own
      // wait (ingest answers 451 after INGEST_PUBLISH_TIMEOUT_MS, and its client's retry carries the
      // same delivery ids). Errors the broker reports as final still fail the batch at once.
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: Number.MAX_SAFE_INTEGER },
    });
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** `headers` go on every event, or are chosen per event (a trace context of its own, say). */
  async publish<S extends z.ZodType>(
    topic: TopicDefinition<S>,
    events: readonly z.input<S>[],
    headers: Record<string, string> | ((event: z.input<S>) => Record<string, string>) = {},
  ): Promise<RecordMetadata[]> {
    if (events.length === 0) return [];
    const messages = events.map((event) =>
      encodeEvent(topic, event, typeof headers === 'function' ? headers(event) : headers),
    );
    return this.enqueue(topic.name, messages);
  }

  private enqueue(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    let bytes = 0;
    for (const message of messages) bytes += sizeOf(message.key) + sizeOf(message.value);
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      this.pending.push({ topic, messages, bytes, resolve, reject });
      this.sending ??= this.sendPending().finally(() => {
        this.sending = undefined;
      });
    });
  }

  private async sendPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.takeBatch();
      try {
        if (!this.connected) await this.connect();
        const metadata = await this.producer.sendBatch({ acks: -1, topicMessages: topicMessagesOf(batch) });
        for (const publish of batch) {
          this.metrics.producedTo(publish.topic).produced.inc(publish.messages.length);
          publish.resolve(metadata.filter((entry) => entry.topicName === publish.topic));
        }
      } catch (error) {
        // Nothing in the batch is known to be stored: every caller hears of it and may retry.
        for (const publish of batch) {
          this.metrics.producedTo(publish.topic).failed.inc(publish.messages.length);
          publish.reject(error);
        }
      }
    }
  }

  private takeBatch(): PendingPublish[] {
    let count = 1;
    let bytes = this.pending[0]!.bytes;
    while (count < this.pending.length && bytes + this.pending[count]!.bytes <= this.maxGatheredBytes) {
      bytes += this.pending[count]!.bytes;
      count += 1;
    }
    return this.pending.splice(0, count);
  }

  /** Publishes already-encoded bytes, for replaying dead letters exactly as they were. */
  async publishRaw(
    topic: string,
    message: { key: string | null; value: Buffer; headers: Record<string, string> },
  ): Promise<void> {
    await this.enqueue(topic, [message]);
  }

  async disconnect(): Promise<void> {
    // Callers already waiting get their answer before the connection goes (within a bound: a
    // broker that is down fails them by its own timeouts).
    if (this.sending) await Promise.race([this.sending, sleep(DISCONNECT_DRAIN_MS)]);
    try {
      await this.producer.disconnect();
    } catch (error) {
      this.logger.warn({ err: error }, 'producer disconnect failed');
    }
    this.connected = false;
  }
}

function sizeOf(part: Message['key'] | Message['value']): number {
  if (part === null || part === undefined) return 0;
  return typeof part === 'string' ? Buffer.byteLength(part) : part.length;
}

/** Groups the batch's messages by topic, keeping arrival order within each topic. */
function topicMessagesOf(batch: readonly PendingPublish[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const publish of batch) {
    const messages = byTopic.get(publish.topic);
    if (messages) messages.push(...publish.messages);
    else byTopic.set(publish.topic, [...publish.messages]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

import { encodeEvent, type TopicDefinition } from '@pushmail/contracts';
import kafkajs, {
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type KafkaMetrics, processKafkaMetrics } from '../metrics/kafka-metrics.js';

/** One caller's events (of one topic or several), waiting for the next produce request. */
interface PendingPublish {
  topicMessages: TopicMessages[];
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

/**
 * Rounds of sending again what a request answered success for without sending (see `sendEvery`)
 * before the batch fails: kafkajs picks every message's partition itself, so more would mean it
 * stopped telling which partition a message went to.
 */
const MAX_SEND_ROUNDS = 5;

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
  private producer: Producer;
  private connected = false;
  private readonly pending: PendingPublish[] = [];
  private sending: Promise<void> | undefined;
  private readonly maxGatheredBytes: number;
  /** The partition kafkajs chose for each message on its latest attempt to send it. */
  private readonly partitionOf = new WeakMap<Message, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly metrics: KafkaMetrics = processKafkaMetrics(),
    options: EventProducerOptions = {},
  ) {
    this.maxGatheredBytes = options.maxGatheredBytes ?? DEFAULT_MAX_GATHERED_BYTES;
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    const producer = this.kafka.producer({
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
      // kafkajs's own partitioner (keys keep their partitions), noting each choice for `sendEvery`.
      createPartitioner: () => {
        const choose = kafkajs.Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = choose(args);
          this.partitionOf.set(args.message, partition);
          return partition;
        };
      },
    });
    producer.on('producer.disconnect', () => {
      if (producer === this.producer) this.connected = false;
    });
    return producer;
  }

  /**
   * After a broker error that ends an idempotent producer's session (its sequence numbers no longer
   * match the broker's, or the broker no longer knows its id), kafkajs fails every later send with
   * the same error: the session is replaced by a new producer, with a new id, before the next send.
   * The failed batch's callers have heard of the failure and send again (a copy the broker did
   * write may then be stored twice, which every consumer tolerates).
   */
  private async renewSession(error: unknown): Promise<void> {
    this.logger.warn({ err: error }, 'the idempotent producer session ended; starting a new one');
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = false;
    await Promise.race([old.disconnect().catch(() => undefined), sleep(DISCONNECT_DRAIN_MS)]);
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
    return this.enqueue([{ topic: topic.name, messages }]);
  }

  /**
   * Events of any of several topics as one publish: they go out in one produce request (never split,
   * however many bytes), in the order given within each topic, and the promise settles once Kafka
   * acknowledged every one of them (or fails for all of them).
   */
  async publishAll(
    entries: readonly { topic: TopicDefinition; event: unknown }[],
    headers: Record<string, string> = {},
  ): Promise<RecordMetadata[]> {
    if (entries.length === 0) return [];
    const byTopic = new Map<string, Message[]>();
    for (const { topic, event } of entries) {
      const message = encodeEvent(topic, event, headers);
      const messages = byTopic.get(topic.name);
      if (messages) messages.push(message);
      else byTopic.set(topic.name, [message]);
    }
    return this.enqueue([...byTopic].map(([topic, messages]) => ({ topic, messages })));
  }

  private enqueue(topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
    let bytes = 0;
    for (const { messages } of topicMessages)
      for (const message of messages) bytes += sizeOf(message.key) + sizeOf(message.value);
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      this.pending.push({ topicMessages, bytes, resolve, reject });
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
        const metadata = await this.sendEvery(topicMessagesOf(batch));
        for (const publish of batch) {
          for (const { topic, messages } of publish.topicMessages)
            this.metrics.producedTo(topic).produced.inc(messages.length);
          const topics = new Set(publish.topicMessages.map(({ topic }) => topic));
          publish.resolve(metadata.filter((entry) => topics.has(entry.topicName)));
        }
      } catch (error) {
        // Nothing in the batch is known to be stored: every caller hears of it and may retry.
        for (const publish of batch) {
          for (const { topic, messages } of publish.topicMessages)
            this.metrics.producedTo(topic).failed.inc(messages.length);
          publish.reject(error);
        }
        if (endsProducerSession(error)) await this.renewSession(error);
      }
    }
  }

  /**
   * Sends the messages and answers only once the broker has acknowledged the partition of every one.
   * kafkajs 2.2.4 retries a request per broker, not per partition: when a broker refuses its part
   * (NOT_LEADER_OR_FOLLOWER, a connection lost) and the partition's leadership moves to a broker that
   * had already answered its own part, the retry sends nothing to it and `sendBatch` resolves with
   * the other partitions' metadata only: the moved partition's messages were never written, yet the
   * caller hears success (ingest would answer `250` for mail that is gone). Messages whose partition
   * is missing from the answer go out again; their sequence numbers were given back when their
   * request failed, so a copy the broker did write is recognised as a duplicate, not stored twice.
   */
  private async sendEvery(topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
    const acknowledged: RecordMetadata[] = [];
    let remaining = topicMessages;
    for (let round = 1; ; round += 1) {
      const metadata = await this.producer.sendBatch({ acks: -1, topicMessages: remaining });
      acknowledged.push(...metadata);
      const answered = new Set(metadata.map((entry) => `${entry.topicName}/${entry.partition}`));
      remaining = remaining
        .map(({ topic, messages }) => ({
          topic,
          messages: messages.filter((message) => {
            const partition = this.partitionOf.get(message);
            return partition === undefined || !answered.has(`${topic}/${partition}`);
          }),
        }))
        .filter((entry) => entry.messages.length > 0);
      if (remaining.length === 0) return acknowledged;
      const unanswered = remaining.map(
        ({ topic, messages }) =>
          `${topic}/${[...new Set(messages.map((message) => this.partitionOf.get(message)))].join(',')}`,
      );
      if (round >= MAX_SEND_ROUNDS)
        throw new Error(`Kafka acknowledged no write for partitions ${unanswered.join(' ')}`);
      this.logger.warn(
        { partitions: unanswered, round },
        'a produce request answered success without some of its partitions; sending their messages again',
      );
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
    await this.enqueue([{ topic, messages: [message] }]);
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

/** Broker errors after which an idempotent producer's session cannot go on (kafkajs does not retry them). */
const SESSION_ENDING_ERRORS: ReadonlySet<string> = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/** Whether the error, or what caused it, ends the producer's idempotent session. */
export function endsProducerSession(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && SESSION_ENDING_ERRORS.has(type)) return true;
    current = current.cause;
  }
  return false;
}

function sizeOf(part: Message['key'] | Message['value']): number {
  if (part === null || part === undefined) return 0;
  return typeof part === 'string' ? Buffer.byteLength(part) : part.length;
}

/** Groups the batch's messages by topic, keeping arrival order within each topic. */
function topicMessagesOf(batch: readonly PendingPublish[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const publish of batch)
    for (const { topic, messages: published } of publish.topicMessages) {
      const messages = byTopic.get(topic);
      if (messages) messages.push(...published);
      else byTopic.set(topic, [...published]);
    }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

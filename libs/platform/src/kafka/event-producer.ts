import { encodeEvent, type TopicDefinition } from '@pushmail/contracts';
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';

/**
 * Publishes validated events. Idempotent producer with acknowledgement from every in-sync
 * replica: a resolved `publish` means the broker has the events durably.
 */
export class EventProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 3 },
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
    if (!this.connected) await this.connect();
    return this.producer.send({ topic: topic.name, acks: -1, messages });
  }

  /** Publishes already-encoded bytes, for replaying dead letters exactly as they were. */
  async publishRaw(
    topic: string,
    message: { key: string | null; value: Buffer; headers: Record<string, string> },
  ): Promise<void> {
    if (!this.connected) await this.connect();
    await this.producer.send({ topic, acks: -1, messages: [message] });
  }

  async disconnect(): Promise<void> {
    try {
      await this.producer.disconnect();
    } catch (error) {
      this.logger.warn({ err: error }, 'producer disconnect failed');
    }
    this.connected = false;
  }
}

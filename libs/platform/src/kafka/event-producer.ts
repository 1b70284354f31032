import { encodeEvent, type TopicDefinition } from '@pushmail/contracts';
import type { Kafka, Message, Producer, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type KafkaMetrics, processKafkaMetrics } from '../metrics/kafka-metrics.js';

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
    private readonly metrics: KafkaMetrics = processKafkaMetrics(),
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
    return this.send(topic.name, messages);
  }

  /** Publishes already-encoded bytes, for replaying dead letters exactly as they were. */
  async publishRaw(
    topic: string,
    message: { key: string | null; value: Buffer; headers: Record<string, string> },
  ): Promise<void> {
    await this.send(topic, [message]);
  }

  private async send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    const counts = this.metrics.producedTo(topic);
    try {
      if (!this.connected) await this.connect();
      const metadata = await this.producer.send({ topic, acks: -1, messages });
      counts.produced.inc(messages.length);
      return metadata;
    } catch (error) {
      counts.failed.inc(messages.length);
      throw error;
    }
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

import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { mailArrivedTopic, type MailArrivedV1 } from '@pushmail/contracts';
import {
  CONFIG,
  type ConsumedEvent,
  contextWithSpan,
  EventConsumer,
  EventProducer,
  extractTraceContext,
  injectTraceHeaders,
  LOGGER,
  PoisonEventError,
  ReadinessRegistry,
  startSpan,
} from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { MailboxConfig } from '../../config/mailbox-config.js';
import { KAFKA } from '@pushmail/platform';
import { isPermanentStoreError } from '../../store/store-errors.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

/**
 * Feeds mail-arrived events to the store. Started once every init hook (migrations, topics, the
 * producer) has completed; stopped in the destroy hooks, which let the batch in hand finish and
 * commit before the producer and the database close.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer<typeof mailArrivedTopic.schema>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(EventProducer) producer: EventProducer,
    @Inject(StoreDeliveryUseCase) private readonly storeDelivery: StoreDeliveryUseCase,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: MailboxConfig,
  ) {
    this.consumer = new EventConsumer(kafka, producer, logger, {
      topic: mailArrivedTopic,
      groupId: config.MAILBOX_DELIVERY_GROUP,
      fromBeginning: true,
      partitionsConsumedConcurrently: config.DELIVERY_PARTITIONS_CONCURRENTLY,
      handleBatch: (events) => this.store(events),
      handleOne: (consumed) => this.store([consumed]),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('mail-arrived-consumer', () => this.consumer.isRunning);
    await this.consumer.start();
    this.logger.info({ topic: mailArrivedTopic.name }, 'consuming mail-arrived events');
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async store(consumed: ConsumedEvent<MailArrivedV1>[]): Promise<void> {
    // One span per event, each continuing the trace its message started at SMTP time.
    const spans = consumed.map(({ event, headers }) =>
      startSpan(
        'mailbox.store',
        {
          kind: SpanKind.CONSUMER,
          attributes: { 'pushmail.account_id': event.accountId, 'pushmail.delivery_id': event.deliveryId },
        },
        extractTraceContext(headers),
      ),
    );
    const traceHeaders = new Map<string, Record<string, string>>();
    consumed.forEach(({ event }, index) => {
      const headers = injectTraceHeaders(contextWithSpan(spans[index]!));
      if (headers.traceparent) traceHeaders.set(event.accountId, headers);
    });
    try {
      await this.storeDelivery.execute(
        consumed.map(({ event }) => event),
        traceHeaders,
      );
    } catch (error) {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      // The consumer retries anything else; this one would fail the same way forever.
      if (isPermanentStoreError(error)) {
        throw new PoisonEventError(
          `the message cannot be stored: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }
}

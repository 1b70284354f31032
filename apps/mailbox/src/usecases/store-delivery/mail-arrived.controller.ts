import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { mailArrivedTopic, type MailArrivedV1 } from '@pushmail/contracts';
import {
  CONFIG,
  contextWithSpan,
  extractTraceContext,
  injectTraceHeaders,
  KafkaBatchContext,
  PoisonEventError,
  type ProviderLookup,
  startSpan,
  subscription,
  type ConsumedEvent,
} from '@pushmail/platform';
import type { MailboxConfig } from '../../config/mailbox-config.js';
import { isPermanentStoreError } from '../../store/store-errors.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

/** Every replica stores in one shared group, several partitions at once (docs/guarantees.md, hop 2). */
const deliveries = subscription((get: ProviderLookup) => ({
  groupId: get<MailboxConfig>(CONFIG).MAILBOX_DELIVERY_GROUP,
  fromBeginning: true,
  partitionsConsumedConcurrently: get<MailboxConfig>(CONFIG).DELIVERY_PARTITIONS_CONCURRENTLY,
  // A batch that keeps failing for another reason than a known permanent one is retried event by
  // event, so one bad message cannot hold its partition.
  isolateAfterAttempts: 3,
  // A delivery stored already is skipped, so events handled again after a crash cost a read, not a
  // copy: offsets go once a second instead of once per batch (one per message at a low rate).
  commitIntervalMs: 1000,
  readiness: 'mail-arrived-consumer',
}));

/**
 * Feeds mail-arrived events to the store. The transport starts it once every init hook
 * (migrations, topics, the producer) has completed and stops it first on shutdown, letting the
 * batch in hand finish and commit before the producer and the database close.
 */
@Controller()
export class MailArrivedController {
  constructor(@Inject(StoreDeliveryUseCase) private readonly storeDelivery: StoreDeliveryUseCase) {}

  /** Resolves once the batch is committed in Postgres; the transport commits the offsets after. */
  @EventPattern<string>(mailArrivedTopic.name, deliveries)
  async handle(
    @Payload() consumed: ConsumedEvent<MailArrivedV1>[],
    @Ctx() context: KafkaBatchContext,
  ): Promise<void> {
    // One span per event, each continuing the trace its message started at SMTP time.
    const spans = consumed.map(({ event, headers }) =>
      startSpan(
        'mailbox.store',
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'pushmail.account_id': event.accountId,
            'pushmail.delivery_id': event.deliveryId,
            'messaging.kafka.partition': context.getPartition(),
          },
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

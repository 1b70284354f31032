import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { deviceEventTopic, deviceTrailTopic } from '@pushmail/contracts';
import { SpanKind } from '@opentelemetry/api';
import {
  CONFIG,
  type ConsumedEvent,
  EventConsumer,
  EventProducer,
  extractTraceContext,
  KAFKA,
  LOGGER,
  ReadinessRegistry,
  startSpan,
  type TraceSpan,
} from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { RegistryConfig } from '../config/registry-config.js';
import { TrailStore } from './trail-store.service.js';

const PRUNE_EVERY_MS = 60_000;

/**
 * Reads push-delivery's trail and the registry's own device events into the bounded trail table,
 * and prunes what is past retention.
 */
@Injectable()
export class TrailConsumers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumers: EventConsumer<never>[] = [];
  private readonly log: Logger;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(TrailStore) private readonly store: TrailStore,
    @Inject(EventProducer) private readonly deadLetters: EventProducer,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) logger: Logger,
    @Inject(CONFIG) private readonly config: Pick<RegistryConfig, 'TRAIL_CONSUMER_GROUP'>,
  ) {
    this.log = logger.child({ component: 'diagnostics' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const kafka = this.kafka;
    const trail = new EventConsumer(kafka, this.deadLetters, this.log, {
      topic: deviceTrailTopic,
      groupId: this.config.TRAIL_CONSUMER_GROUP,
      fromBeginning: true,
      handleBatch: async (events) => {
        const spans = traceRecording(events);
        try {
          await this.store.appendBatches(events.map((item) => item.event));
        } finally {
          for (const span of spans) span.end();
        }
      },
    });
    const decisions = new EventConsumer(kafka, this.deadLetters, this.log, {
      topic: deviceEventTopic,
      groupId: `${this.config.TRAIL_CONSUMER_GROUP}-decisions`,
      fromBeginning: true,
      handleBatch: (events) => this.store.appendDeviceEvents(events.map((item) => item.event)),
    });
    this.consumers.push(
      trail as unknown as EventConsumer<never>,
      decisions as unknown as EventConsumer<never>,
    );
    await Promise.all([trail.start(), decisions.start()]);
    this.readiness.register('trail-consumers', () => this.consumers.every((consumer) => consumer.isRunning));
    this.pruneTimer = setInterval(() => {
      this.store.prune().catch((error: unknown) => this.log.warn({ err: error }, 'pruning the trail failed'));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await Promise.all(this.consumers.map((consumer) => consumer.stop().catch(() => undefined)));
  }
}

/** Spans for the trail batches that carry a push's trace context: the last hop of a traced mail. */
function traceRecording(
  events: readonly ConsumedEvent<{ accountId: string; records: readonly unknown[] }>[],
): TraceSpan[] {
  return events
    .filter(({ headers }) => headers.traceparent !== undefined)
    .map(({ event, headers }) =>
      startSpan(
        'registry.trail.record',
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'pushmail.account_id': event.accountId,
            'pushmail.trail_records': event.records.length,
          },
        },
        extractTraceContext(headers),
      ),
    );
}

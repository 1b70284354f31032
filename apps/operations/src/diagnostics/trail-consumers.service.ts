import { Controller, Inject, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SpanKind } from '@opentelemetry/api';
import {
  deviceEventTopic,
  deviceTrailTopic,
  type DeviceEventV1,
  type DeviceTrailV1,
} from '@pushmail/contracts';
import {
  CONFIG,
  type ConsumedEvent,
  extractTraceContext,
  LOGGER,
  type ProviderLookup,
  startSpan,
  subscription,
  type TraceSpan,
} from '@pushmail/platform';
import type { Logger } from 'pino';
import type { OperationsConfig } from '../config/operations-config.js';
import { TrailStore } from './trail-store.service.js';

const PRUNE_EVERY_MS = 60_000;

const trailGroup = (get: ProviderLookup): string => get<OperationsConfig>(CONFIG).TRAIL_CONSUMER_GROUP;

/**
 * Reads push-delivery's trail and the registry's own device events into the bounded trail table,
 * prunes what is past retention, and brings the devices it wrote since the last tick back to the
 * per-device cap (the insert path does it only once a device is a slack over).
 */
@Controller()
export class TrailConsumers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: Logger;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(TrailStore) private readonly store: TrailStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'diagnostics' });
  }

  @EventPattern<string>(
    deviceTrailTopic.name,
    subscription((get) => ({ groupId: trailGroup(get), fromBeginning: true, readiness: 'trail-consumers' })),
  )
  async recordTrail(@Payload() events: ConsumedEvent<DeviceTrailV1>[]): Promise<void> {
    const spans = traceRecording(events);
    try {
      await this.store.appendBatches(events.map((item) => item.event));
    } finally {
      for (const span of spans) span.end();
    }
  }

  @EventPattern<string>(
    deviceEventTopic.name,
    subscription((get) => ({
      groupId: `${trailGroup(get)}-decisions`,
      fromBeginning: true,
      readiness: 'trail-consumers',
    })),
  )
  async recordDecisions(@Payload() events: ConsumedEvent<DeviceEventV1>[]): Promise<void> {
    await this.store.appendDeviceEvents(events.map((item) => item.event));
  }

  onApplicationBootstrap(): void {
    this.pruneTimer = setInterval(() => {
      this.store
        .prune()
        .then(() => this.store.capWritten())
        .catch((error: unknown) => this.log.warn({ err: error }, 'pruning the trail failed'));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruneTimer);
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

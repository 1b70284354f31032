import { Inject, Injectable } from '@nestjs/common';
import {
  mailArrivedTopic,
  mailDeliveryStatusTopic,
  PRODUCER_HEADER,
  type TopicDefinition,
} from '@pushmail/contracts';
import { CONFIG, EventProducer, LOGGER, TransactionalOutbox } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../config/outbound-config.js';

/** An event to publish, with its topic. */
export interface OutboxEntry {
  topic: TopicDefinition;
  event: unknown;
}

/**
 * Events decided with a delivery's outcome (its status, a DSN, a local delivery) are written in the
 * statement that records the outcome (`OutcomeRecorder`), and published from here until Kafka
 * acknowledged them: an outcome is never recorded without its events, nor its events lost after a
 * crash.
 */
@Injectable()
export class Outbox extends TransactionalOutbox {
  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(EventProducer) producer: EventProducer,
    @Inject(LOGGER) logger: Logger,
    @Inject(CONFIG) config: OutboundConfig,
  ) {
    super(dataSource, producer, logger, {
      table: { name: 'outbound.outbox', key: { column: 'id', type: 'bigint' }, topic: 'topic', order: 'id' },
      topics: [mailArrivedTopic, mailDeliveryStatusTopic],
      // Named by the MTA that reported the outcome: another deployment on the same broker may read
      // the same submission and report on it too.
      headers: { [PRODUCER_HEADER]: config.OUTBOUND_HOSTNAME },
      // Statuses are small; a mail-arrived event carries a whole message, a few per request.
      batch: { rows: 100, bytes: 1024 * 1024 },
      sweep: { intervalMs: 1000, runAtStart: true, failed: 'publishing from the outbox failed; will retry' },
    });
  }
}

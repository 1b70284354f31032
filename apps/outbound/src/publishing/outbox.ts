import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  mailArrivedTopic,
  mailDeliveryStatusTopic,
  PRODUCER_HEADER,
  type TopicDefinition,
} from '@pushmail/contracts';
import { CONFIG, EventProducer, LOGGER, PeriodicTask } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../config/outbound-config.js';

const TOPICS: ReadonlyMap<string, TopicDefinition> = new Map(
  [mailArrivedTopic, mailDeliveryStatusTopic].map((topic) => [topic.name, topic as TopicDefinition]),
);
const SWEEP_INTERVAL_MS = 1000;
/** Each mail-arrived event carries a whole message: a few per produce request. */
const BATCH = 5;

/** An event to publish, with its topic. */
export interface OutboxEntry {
  topic: TopicDefinition;
  event: unknown;
}

/**
 * Events decided with a delivery's outcome (its status, a DSN, a local delivery) are written in the
 * transaction that records the outcome, and published from here until Kafka acknowledged them: an
 * outcome is never recorded without its events, nor its events lost after a crash.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly sweeping = new PeriodicTask(
    SWEEP_INTERVAL_MS,
    async () => {
      while ((await this.flush()) === BATCH) {
        // A full batch: there may be more.
      }
    },
    (error) => this.logger.warn({ err: error }, 'publishing from the outbox failed; will retry'),
  );

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: OutboundConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeping.start({ runNow: true });
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweeping.stop();
  }

  /** Publishes the oldest events in order and deletes them; returns how many. */
  async flush(): Promise<number> {
    const rows: Array<{ id: string; topic: string; event: unknown }> = await this.dataSource.query(
      `SELECT id, topic, event FROM outbound.outbox ORDER BY id LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return 0;
    for (const row of rows) {
      const topic = TOPICS.get(row.topic);
      if (!topic) throw new Error(`the outbox holds an event for an unknown topic ${row.topic}`);
      // Named by the MTA that reported the outcome: another deployment on the same broker may read
      // the same submission and report on it too.
      await this.producer.publish(topic, [row.event], { [PRODUCER_HEADER]: this.config.OUTBOUND_HOSTNAME });
    }
    await this.dataSource.query('DELETE FROM outbound.outbox WHERE id = ANY($1::bigint[])', [
      rows.map((row) => row.id),
    ]);
    return rows.length;
  }
}

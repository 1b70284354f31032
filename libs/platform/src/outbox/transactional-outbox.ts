import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { TopicDefinition } from '@pushmail/contracts';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { EventProducer } from '../kafka/event-producer.js';
import { PeriodicTask } from '../scheduling/periodic-task.js';

/** A service's outbox table: its rows hold one event each, in a `jsonb` column named `event`. */
export interface OutboxTable {
  /** Schema-qualified, e.g. `outbound.outbox`. */
  name: string;
  /** The column that names a row, and its SQL type. */
  key: { column: string; type: 'bigint' | 'text' };
  /** A row's topic name: its column, or a quoted literal for an outbox of one topic. */
  topic: string;
  /** The order rows go out in; each key's events keep it on their partition. */
  order: string;
}

export interface TransactionalOutboxOptions {
  table: OutboxTable;
  /** The topics its rows may name. */
  topics: readonly TopicDefinition[];
  /** Put on every event published. */
  headers?: Record<string, string>;
  /**
   * The most rows, and bytes of events, one batch publishes; a batch is one produce request, so
   * events that carry whole messages stay a few per request (an event larger than this goes alone).
   */
  batch: { rows: number; bytes: number };
  sweep: {
    intervalMs: number;
    /** The first sweep starts at bootstrap instead of after one interval. */
    runAtStart?: boolean;
    /** The rows the sweep publishes (an SQL condition on the table); all of them if absent. */
    ready?: string;
    /** Logged (with the error) after a failed sweep, which is tried again at the next tick. */
    failed: string;
  };
}

/** A row as read for publishing. */
interface OutboxRow {
  id: string;
  topic: string;
  event: unknown;
}

/**
 * A transactional outbox: events are written into the service's outbox table in the transaction
 * that decided them, and published from here, a batch at a time: the batch's events in one
 * producer publish (one produce request), then its rows deleted in one statement once Kafka has
 * acknowledged every one of them. A batch that fails stays whole in the table and goes out again
 * (Kafka may then hold some of its events twice: consumers tolerate repeats, never a loss).
 * A sweep publishes whatever is left, every `sweep.intervalMs`, until the table is drained.
 */
export abstract class TransactionalOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly topics: ReadonlyMap<string, TopicDefinition>;
  private readonly sweeping: PeriodicTask;
  private readonly delete: string;
  /** The batch being published: the next one waits for it, so a flush and a sweep never read the same rows. */
  private publishing: Promise<unknown> = Promise.resolve();

  protected constructor(
    protected readonly dataSource: DataSource,
    private readonly producer: EventProducer,
    protected readonly logger: Logger,
    private readonly options: TransactionalOutboxOptions,
  ) {
    this.topics = new Map(options.topics.map((topic) => [topic.name, topic]));
    this.sweeping = new PeriodicTask(
      options.sweep.intervalMs,
      async () => {
        await this.sweep();
      },
      (error) => this.logger.warn({ err: error }, options.sweep.failed),
    );
    const { name, key } = options.table;
    this.delete = `DELETE FROM ${name} WHERE ${key.column} = ANY($1::${key.type}[])`;
  }

  onApplicationBootstrap(): void {
    this.sweeping.start({ runNow: this.options.sweep.runAtStart ?? false });
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweeping.stop();
  }

  /** One sweep: publishes the rows the sweep may take until none is left; returns how many. */
  protected sweep(): Promise<number> {
    return this.drain(this.options.sweep.ready ?? 'TRUE');
  }

  /** Publishes the matching rows (`ready`, parameters `$1`..), batch after batch; returns how many. */
  protected async drain(ready: string, params: readonly unknown[] = []): Promise<number> {
    let published = 0;
    for (let batch = -1; batch !== 0; published += batch) batch = await this.publishBatch(ready, params);
    return published;
  }

  /**
   * Rows were written: the sweep runs now instead of at its next tick, or once more as soon as the
   * sweep in progress ends (nudges meanwhile make one more sweep, not one each).
   */
  publishSoon(): void {
    this.sweeping.nudge();
  }

  /** Publishes the oldest batch of the rows the sweep may take; returns how many it published. */
  async flush(): Promise<number> {
    return this.publishBatch(this.options.sweep.ready ?? 'TRUE', []);
  }

  /**
   * The oldest rows that match `ready`, then the longest prefix of them within the byte bound (the
   * first row always): the bound is counted on the rows read, never on the whole table.
   */
  private oldest(ready: string): string {
    const { table, batch } = this.options;
    // The innermost names are none of the table's, so that `order` means the table's columns.
    return `
      SELECT row_key::text AS id, row_topic AS topic, row_event AS event FROM (
        SELECT row_key, row_topic, row_event, position,
               sum(size) OVER (ORDER BY position ROWS UNBOUNDED PRECEDING) AS through
          FROM (
            SELECT row_key, row_topic, row_event, octet_length(row_event::text) AS size,
                   row_number() OVER () AS position
              FROM (
                SELECT ${table.key.column} AS row_key, ${table.topic} AS row_topic, event AS row_event
                  FROM ${table.name}
                 WHERE ${ready}
                 ORDER BY ${table.order}
                 LIMIT ${batch.rows}
              ) AS oldest
          ) AS sized
      ) AS batch
      WHERE position = 1 OR through <= ${batch.bytes}
      ORDER BY position`;
  }

  private publishBatch(ready: string, params: readonly unknown[]): Promise<number> {
    const batch = this.publishing.then(() => this.publishOneBatch(ready, params));
    this.publishing = batch.catch(() => undefined);
    return batch;
  }

  private async publishOneBatch(ready: string, params: readonly unknown[]): Promise<number> {
    const rows: OutboxRow[] = await this.dataSource.query(this.oldest(ready), [...params]);
    if (rows.length === 0) return 0;
    const entries = rows.map((row) => {
      const topic = this.topics.get(row.topic);
      if (!topic)
        throw new Error(
          `the outbox ${this.options.table.name} holds an event for an unknown topic ${row.topic}`,
        );
      return { topic, event: row.event };
    });
    // Marked published (deleted) only once Kafka acknowledged every event of the batch.
    await this.producer.publishAll(entries, this.options.headers);
    await this.dataSource.query(this.delete, [rows.map((row) => row.id)]);
    return rows.length;
  }
}

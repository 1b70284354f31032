import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, DEFAULT_STATEMENT_TIMEOUT_MS, LOGGER } from '@pushmail/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import type { OutboundConfig } from '../../config/outbound-config.js';
import { OutboundMetrics } from '../../metrics/outbound-metrics.js';
import type { OutboxEntry } from '../../publishing/outbox.js';

/** Connections of the recorder's own: outcomes never wait behind the queue's other statements. */
export const OUTCOME_CONNECTIONS = 2;
/** The most outcomes one statement records (a full batch of the highest `DELIVERY_CONCURRENCY`). */
const MOST_PER_STATEMENT = 100;

/** One delivery's outcome: the row's new state and the events decided with it, in order. */
export interface DeliveryOutcome {
  deliveryId: string;
  status: 'delivered' | 'deferred' | 'bounced';
  attempts: number;
  reply: string;
  remoteHost: string | null;
  nextAttemptAt: Date;
  events: readonly OutboxEntry[];
  /** When the remote server's reply was read (`performance.now()`), for the window's histogram. */
  repliedAt?: number;
}

interface Waiting {
  outcome: DeliveryOutcome;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Every outcome and its events, in one statement for any number of outcomes: the rows' updates and
 * the outbox rows, in the order given (per outcome, its events in order). One text whatever the
 * count, so each connection prepares it once.
 */
const RECORD_OUTCOMES = `
  WITH outcome AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS outcome (id bigint, status text, attempts integer, reply text, remote_host text,
                  next_attempt_at timestamptz)
  ), changed AS (
    UPDATE outbound.deliveries AS delivery
       SET status = outcome.status, attempts = outcome.attempts, last_reply = outcome.reply,
           remote_host = outcome.remote_host, next_attempt_at = outcome.next_attempt_at,
           claimed_until = NULL, updated_at = now()
      FROM outcome
     WHERE delivery.id = outcome.id
  )
  INSERT INTO outbound.outbox (topic, event)
  SELECT entry.value->>'topic', entry.value->'event'
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS entry (value, position)
   ORDER BY entry.position`;

/**
 * Records delivery outcomes the moment they are known, which bounds the window in which a crash
 * makes the receiver see a message twice (after its `250`, before the record): an outcome is sent
 * to Postgres at the end of the turn of the event loop that hands it over, with every other outcome
 * handed over in that turn, on a connection of the recorder's own (never queued behind a claim, a
 * lease renewal, the outbox or a scrape). When both connections are busy, the outcomes that arrive
 * meanwhile go together in the next statement as soon as one is free: no timer, no waiting for
 * the other attempts in flight. An outcome's promise settles when its statement committed (or
 * failed: the lease then brings the delivery back).
 */
@Injectable()
export class OutcomeRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly pool: pg.Pool;
  private readonly waiting: Waiting[] = [];
  private writing = 0;
  /** A write is due at the end of this turn of the event loop. */
  private scheduled = false;

  constructor(
    @Inject(CONFIG) config: OutboundConfig,
    @Inject(OutboundMetrics) private readonly metrics: OutboundMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      application_name: 'outbound-outcomes',
      statement_timeout: DEFAULT_STATEMENT_TIMEOUT_MS,
      max: OUTCOME_CONNECTIONS,
      // Kept open: the first outcome after a quiet hour does not pay for a connection.
      idleTimeoutMillis: 0,
    });
    // A connection that breaks while idle is dropped by the pool; the next statement opens another.
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'an outcome connection broke'));
  }

  /** Opens the connections before the first delivery, so that no outcome waits for a connect. */
  async onApplicationBootstrap(): Promise<void> {
    const clients = await Promise.all(Array.from({ length: OUTCOME_CONNECTIONS }, () => this.pool.connect()));
    for (const client of clients) client.release();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  /** Resolves once the outcome and its events are committed. */
  record(outcome: DeliveryOutcome): Promise<void> {
    // Validated now, so that nothing unpublishable is ever committed.
    if (outcome.events.length === 0) throw new Error('an outcome is recorded with at least one event');
    for (const { topic, event } of outcome.events) topic.schema.parse(event);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ outcome, resolve, reject });
      this.writeSoon();
    });
  }

  /**
   * Writes what waits once the replies read in this turn of the event loop have all been handed
   * over (`setImmediate` runs right after the poll phase that read them): a burst of `250`s, as
   * attempts that end together give, goes in one statement instead of one alone on each
   * connection and the rest behind them, a statement's round trip later.
   */
  private writeSoon(): void {
    if (this.scheduled || this.writing >= OUTCOME_CONNECTIONS) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.waiting.length > 0 && this.writing < OUTCOME_CONNECTIONS) this.write();
    });
  }

  /** Sends what waits in one statement, at once; when it is done, the next batch if any waits. */
  private write(): void {
    const batch = this.waiting.splice(0, MOST_PER_STATEMENT);
    this.writing += 1;
    const outcomes = batch.map(({ outcome }) => ({
      id: outcome.deliveryId,
      status: outcome.status,
      attempts: outcome.attempts,
      reply: outcome.reply,
      remote_host: outcome.remoteHost,
      next_attempt_at: outcome.nextAttemptAt.toISOString(),
    }));
    const entries = batch.flatMap(({ outcome }) =>
      outcome.events.map(({ topic, event }) => ({ topic: topic.name, event })),
    );
    const sentAt = performance.now();
    this.pool
      .query({
        name: 'record-outcomes',
        text: RECORD_OUTCOMES,
        values: [JSON.stringify(outcomes), JSON.stringify(entries)],
      })
      .then(
        () => {
          const committedAt = performance.now();
          for (const { outcome, resolve } of batch) {
            if (outcome.repliedAt !== undefined) this.observe(outcome.repliedAt, sentAt, committedAt);
            resolve();
          }
        },
        (error: unknown) => {
          for (const { reject } of batch) reject(error);
        },
      )
      .finally(() => {
        this.writing -= 1;
        if (this.waiting.length > 0 && this.writing < OUTCOME_CONNECTIONS) this.write();
      });
  }

  private observe(repliedAt: number, sentAt: number, committedAt: number): void {
    const seconds = this.metrics.outcomeRecordSeconds;
    seconds.observe({ part: 'wait' }, Math.max(0, sentAt - repliedAt) / 1000);
    seconds.observe({ part: 'statement' }, (committedAt - sentAt) / 1000);
    seconds.observe({ part: 'window' }, Math.max(0, committedAt - repliedAt) / 1000);
  }
}

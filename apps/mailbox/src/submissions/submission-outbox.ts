import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { mailSubmittedV2Topic, type MailSubmittedV2 } from '@pushmail/contracts';
import { EventProducer, LOGGER, PeriodicTask } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AccountChanges } from '../changes/account-changes.js';
import { releaseDueSubmissions } from './release-submissions.js';

const SWEEP_INTERVAL_MS = 2000;
/** Younger rows are still being published by the request that wrote them. */
const GRACE_SECONDS = 2;
/**
 * The most rows one sweep reads (each event carries a whole message); the sweep reads again while
 * it finds this many, so a backlog drains at the broker's pace, not this many per interval.
 */
const SWEEP_ROWS = 50;
/** A delayed submission waits in the outbox until it is released (`final`) or canceled (deleted). */
const NOT_PENDING = `NOT EXISTS (SELECT 1 FROM mailbox.email_submissions pending
  WHERE pending.id = submission_outbox.submission_id AND pending.undo_status = 'pending')`;

/**
 * The outbox of submissions: a submission's event is written in the transaction that stores the
 * submission, published after the commit, and deleted only once Kafka acknowledged it. A publish
 * that fails (or a crash between commit and publish) is repeated by the sweep, so no accepted
 * submission is lost; outbound queues a submission's recipients once, whatever is repeated.
 */
@Injectable()
export class SubmissionOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly sweeping = new PeriodicTask(
    SWEEP_INTERVAL_MS,
    async () => {
      // Delayed submissions that are due become final, and go out now.
      await this.publish(await releaseDueSubmissions(this.dataSource, this.accounts));
      let published = 0;
      for (let swept = SWEEP_ROWS; swept === SWEEP_ROWS; published += swept) swept = await this.sweep();
      if (published > 0) this.logger.info({ published }, 'published submissions whose first publish failed');
    },
    (error) => this.logger.warn({ err: error }, 'publishing submissions from the outbox failed; will retry'),
  );

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(AccountChanges) private readonly accounts: AccountChanges,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeping.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweeping.stop();
  }

  /** Inside the submission's transaction. */
  async add(manager: EntityManager, event: MailSubmittedV2): Promise<void> {
    await addToSubmissionOutbox(manager, event);
  }

  /** After the commit; a failure is left to the sweep and not reported to the device. */
  async publish(submissionIds: readonly string[]): Promise<void> {
    if (submissionIds.length === 0) return;
    try {
      await this.publishRows(
        await this.dataSource.query(
          `SELECT submission_id, event FROM mailbox.submission_outbox
            WHERE submission_id = ANY($1::text[]) AND ${NOT_PENDING}
            ORDER BY created_at`,
          [[...submissionIds]],
        ),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'publishing a submission failed; the outbox will repeat it');
    }
  }

  /** Returns how many submissions were published. */
  async sweep(): Promise<number> {
    const rows: Array<{ submission_id: string; event: MailSubmittedV2 }> = await this.dataSource.query(
      `SELECT submission_id, event FROM mailbox.submission_outbox
        WHERE created_at < now() - make_interval(secs => $1) AND ${NOT_PENDING}
        ORDER BY created_at
        LIMIT ${SWEEP_ROWS}`,
      [GRACE_SECONDS],
    );
    await this.publishRows(rows);
    return rows.length;
  }

  /**
   * Each row's event as a publish of its own, all handed to the producer at once and in order: it
   * gathers them into produce requests of up to its byte bound, one request in flight, so they reach
   * the topic in this order (one account's on one partition) in as few requests as their size allows.
   * Only the rows Kafka acknowledged leave the outbox; the others are swept again.
   */
  private async publishRows(rows: Array<{ submission_id: string; event: MailSubmittedV2 }>): Promise<void> {
    if (rows.length === 0) return;
    const outcomes = await Promise.allSettled(
      rows.map((row) => this.producer.publish(mailSubmittedV2Topic, [row.event])),
    );
    const acknowledged = rows.filter((_, index) => outcomes[index]!.status === 'fulfilled');
    if (acknowledged.length > 0)
      await this.dataSource.query(
        'DELETE FROM mailbox.submission_outbox WHERE submission_id = ANY($1::text[])',
        [acknowledged.map((row) => row.submission_id)],
      );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Puts a submission's event in the outbox, inside the transaction that decided to send it; the
 * outbox's sweep publishes it if no one publishes it sooner (vacation replies rely on that).
 */
export async function addToSubmissionOutbox(manager: EntityManager, event: MailSubmittedV2): Promise<void> {
  await manager.query(
    'INSERT INTO mailbox.submission_outbox (submission_id, account_id, event) VALUES ($1, $2, $3)',
    [event.submissionId, event.accountId, JSON.stringify(event)],
  );
}

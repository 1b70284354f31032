import { Inject, Injectable } from '@nestjs/common';
import { mailSubmittedV2Topic, type MailSubmittedV2 } from '@pushmail/contracts';
import { EventProducer, LOGGER, TransactionalOutbox } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AccountChanges } from '../changes/account-changes.js';
import { releaseDueSubmissions } from './release-submissions.js';

/** Younger rows are still being published by the request that wrote them. */
const GRACE_SECONDS = 2;
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
export class SubmissionOutbox extends TransactionalOutbox {
  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(EventProducer) producer: EventProducer,
    @Inject(LOGGER) logger: Logger,
    @Inject(AccountChanges) private readonly accounts: AccountChanges,
  ) {
    super(dataSource, producer, logger, {
      table: {
        name: 'mailbox.submission_outbox',
        key: { column: 'submission_id', type: 'text' },
        topic: `'${mailSubmittedV2Topic.name}'`,
        order: 'created_at',
      },
      topics: [mailSubmittedV2Topic],
      // Each event carries a whole message: a batch (one produce request) is bounded by its bytes.
      batch: { rows: 50, bytes: 1024 * 1024 },
      sweep: {
        intervalMs: 2000,
        ready: `created_at < now() - make_interval(secs => ${GRACE_SECONDS}) AND ${NOT_PENDING}`,
        failed: 'publishing submissions from the outbox failed; will retry',
      },
    });
  }

  protected override async sweep(): Promise<number> {
    // Delayed submissions that are due become final, and go out now.
    await this.publish(await releaseDueSubmissions(this.dataSource, this.accounts));
    const published = await super.sweep();
    if (published > 0) this.logger.info({ published }, 'published submissions whose first publish failed');
    return published;
  }

  /** Inside the submission's transaction. */
  async add(manager: EntityManager, event: MailSubmittedV2): Promise<void> {
    await addToSubmissionOutbox(manager, event);
  }

  /** After the commit; a failure is left to the sweep and not reported to the device. */
  async publish(submissionIds: readonly string[]): Promise<void> {
    if (submissionIds.length === 0) return;
    try {
      await this.drain(`submission_id = ANY($1::text[]) AND ${NOT_PENDING}`, [[...submissionIds]]);
    } catch (error) {
      this.logger.warn({ err: error }, 'publishing a submission failed; the outbox will repeat it');
    }
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

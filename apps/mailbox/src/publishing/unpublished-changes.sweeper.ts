import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER, PeriodicChore } from '@pushmail/platform';
import { AnnouncementMarks } from './announcement-marks.js';
import { MailboxChangesPublisher } from './mailbox-changes.publisher.js';

const SWEEP_INTERVAL_MS = 5000;
/** Younger changes are still being announced by the request that made them. */
const GRACE_SECONDS = 2;
const BATCH = 500;

/**
 * Announces committed changes whose announcement failed (Kafka was down when a device's update
 * committed): a device's write is answered once it is durable, and its push follows when it can.
 */
@Injectable()
export class UnpublishedChangesSweeper extends PeriodicChore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MailboxChangesPublisher) private readonly publisher: MailboxChangesPublisher,
    @Inject(AnnouncementMarks) private readonly marks: AnnouncementMarks,
    @Inject(LOGGER) protected readonly logger: Logger,
  ) {
    super({
      intervalMs: SWEEP_INTERVAL_MS,
      counted: 'announced',
      done: 'announced changes whose first announcement failed',
      failed: 'announcing unannounced changes failed; will retry',
    });
  }

  protected runChore(): Promise<number> {
    return this.sweep();
  }

  /** Returns how many accounts' changes were announced. */
  async sweep(): Promise<number> {
    // A scan of one row per account: an index on these columns would keep every write of the
    // state row from being a HOT update (ADR 0055).
    const rows: Array<{ account_id: string }> = await this.dataSource.query(
      `SELECT account_id FROM mailbox.account_state
        WHERE modseq > published_modseq AND updated_at < now() - make_interval(secs => $1)
        ORDER BY updated_at
        LIMIT ${BATCH}`,
      [GRACE_SECONDS],
    );
    if (rows.length === 0) return 0;
    const published = await this.publisher.publishPending(
      rows.map((row) => row.account_id),
      'update',
    );
    // What the sweeper announced is marked at once: it runs rarely, and only after a failure.
    await this.marks.flush();
    return published.length;
  }
}

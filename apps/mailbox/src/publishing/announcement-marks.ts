import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, PeriodicTask, preparedQuery } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';

/** How long an announced state may wait to be marked announced in its row. */
export const MARK_INTERVAL_MS = 500;

/**
 * The states this replica has announced and not yet marked announced in `account_state`. Marking
 * is what keeps the sweeper from announcing a state again; it waits up to MARK_INTERVAL_MS so that
 * one statement marks every announcement of that time, instead of one statement after each
 * delivery batch (ADR 0103). Until its mark is written, a state counts as announced here: a later
 * change of the account is announced from it, not from the older mark the row still holds.
 *
 * A replica that stops before writing its marks leaves those states for the sweeper, which
 * announces them once more: a repeated announcement, never a lost one. The sweeper waits longer
 * (its grace period) than a mark does.
 */
@Injectable()
export class AnnouncementMarks implements OnApplicationBootstrap, OnModuleDestroy {
  /** Account id → the newest state announced and not yet confirmed marked. */
  private readonly unmarked = new Map<string, number>();
  private readonly task: PeriodicTask;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      MARK_INTERVAL_MS,
      () => this.flush(),
      (error) => this.logger.warn({ err: error }, 'marking announced states failed; will retry'),
    );
  }

  /** The broker has the announcement of the account's state `modseq`. */
  announced(accountId: string, modseq: number): void {
    if ((this.unmarked.get(accountId) ?? -1) < modseq) this.unmarked.set(accountId, modseq);
  }

  /** The last state announced of the account: its row's mark or a newer one waiting here. */
  publishedOf(accountId: string, markedInRow: number): number {
    return Math.max(markedInRow, this.unmarked.get(accountId) ?? markedInRow);
  }

  get pendingAccounts(): number {
    return this.unmarked.size;
  }

  /** Writes every waiting mark in one statement. */
  async flush(): Promise<void> {
    if (this.unmarked.size === 0) return;
    const marks = [...this.unmarked];
    await preparedQuery(
      this.dataSource,
      'mailbox.mark-announced',
      // The rows are locked in account order first (whatever the order of the arrays), as a
      // delivery batch locks its accounts: an update in join order could hold one account's row
      // while waiting for another's that a batch holds while it waits for the first
      // (docs/guarantees.md, lock order).
      `WITH locked AS (
         SELECT account_id FROM mailbox.account_state
          WHERE account_id = ANY($1::uuid[])
          ORDER BY account_id
            FOR NO KEY UPDATE
       )
       UPDATE mailbox.account_state AS state
          SET published_modseq = GREATEST(state.published_modseq, announced.modseq)
         FROM unnest($1::uuid[], $2::bigint[]) AS announced (account_id, modseq)
        WHERE state.account_id = announced.account_id
          AND state.account_id IN (SELECT account_id FROM locked)`,
      [marks.map(([accountId]) => accountId), marks.map(([, modseq]) => modseq)],
    );
    // What was announced while the statement ran stays for the next one.
    for (const [accountId, modseq] of marks) {
      if (this.unmarked.get(accountId) === modseq) this.unmarked.delete(accountId);
    }
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  /** The last marks are written before the database connections close. */
  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
    try {
      await this.flush();
    } catch (error) {
      this.logger.warn(
        { err: error, accounts: this.unmarked.size },
        'the last announced states could not be marked; the sweeper will announce them again',
      );
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CONFIG, LOGGER, PeriodicChore } from '@pushmail/platform';
import type { MailboxConfig } from '../config/mailbox-config.js';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Drops change rows older than the retention period and raises each account's horizon to the
 * newest modseq it dropped, so `/changes` from before the horizon answers cannotCalculateChanges
 * instead of an incomplete list. Safe to run from every replica at once.
 */
@Injectable()
export class ChangesRetentionService extends PeriodicChore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: Pick<MailboxConfig, 'CHANGES_RETENTION_DAYS'>,
    @Inject(LOGGER) protected readonly logger: Logger,
  ) {
    super({
      intervalMs: PRUNE_INTERVAL_MS,
      runAtStart: true,
      counted: 'pruned',
      done: 'pruned old change log rows',
      failed: 'pruning the change log failed; will retry',
    });
  }

  protected runChore(): Promise<number> {
    return this.prune();
  }

  /** Returns how many change rows were dropped. */
  async prune(olderThanDays = this.config.CHANGES_RETENTION_DAYS): Promise<number> {
    const rows: Array<{ pruned: number }> = await this.dataSource.query(
      `WITH pruned AS (
         DELETE FROM mailbox.changes WHERE at < now() - make_interval(days => $1) RETURNING account_id, modseq
       ), horizon AS (
         SELECT account_id, max(modseq) AS modseq, count(*) AS rows FROM pruned GROUP BY account_id
       ), locked AS (
         -- In account order, as every writer of several accounts locks them (docs/guarantees.md).
         SELECT account_id FROM mailbox.account_state
          WHERE account_id IN (SELECT account_id FROM horizon)
          ORDER BY account_id
            FOR NO KEY UPDATE
       ), raised AS (
         UPDATE mailbox.account_state AS state
            SET changes_horizon = GREATEST(state.changes_horizon, horizon.modseq)
           FROM horizon
          WHERE state.account_id = horizon.account_id
            AND state.account_id IN (SELECT account_id FROM locked)
       )
       SELECT coalesce(sum(rows), 0)::int AS pruned FROM horizon`,
      [olderThanDays],
    );
    return rows[0]?.pruned ?? 0;
  }
}

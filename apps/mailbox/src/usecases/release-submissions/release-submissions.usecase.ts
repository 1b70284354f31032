import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, PeriodicTask } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AccountChanges } from '../../changes/account-changes.js';
import { SubmissionOutbox } from '../../submissions/submission-outbox.js';

const RELEASE_INTERVAL_MS = 1000;
const BATCH = 100;

/**
 * Delayed sending (`SUBMISSION_DELAY_SECONDS`): a pending submission whose `sendAt` has passed
 * becomes `final` in a change transaction of its account (so devices see the EmailSubmission change
 * and can no longer cancel it), and only then is its event, held in the outbox, published. The
 * account lock orders a release and a cancel: whichever commits first wins, so a canceled
 * submission never reaches Kafka and a released one answers `cannotUnsend`.
 */
@Injectable()
export class ReleaseSubmissionsUseCase implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly releasing = new PeriodicTask(
    RELEASE_INTERVAL_MS,
    async () => {
      await this.execute();
    },
    (error) => this.logger.warn({ err: error }, 'releasing delayed submissions failed; will retry'),
  );

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountChanges) private readonly accounts: AccountChanges,
    @Inject(SubmissionOutbox) private readonly outbox: SubmissionOutbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.releasing.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.releasing.stop();
  }

  /** Releases the due submissions; returns their ids. */
  async execute(): Promise<string[]> {
    const due: Array<{ id: string; account_id: string }> = await this.dataSource.query(
      `SELECT id, account_id FROM mailbox.email_submissions
        WHERE undo_status = 'pending' AND send_at <= now()
        ORDER BY send_at LIMIT ${BATCH}`,
    );
    const byAccount = new Map<string, string[]>();
    for (const row of due) byAccount.set(row.account_id, [...(byAccount.get(row.account_id) ?? []), row.id]);
    const released: string[] = [];
    const changedAccounts: string[] = [];
    for (const [accountId, ids] of byAccount) {
      const { result } = await this.accounts.write(accountId, async (write) => {
        // Re-read under the account lock: a cancel may have committed since the select.
        const rows: Array<{ id: string }> = await write.manager.query(
          `WITH released AS (
             UPDATE mailbox.email_submissions SET undo_status = 'final', updated_modseq = $3
              WHERE id = ANY($1::text[]) AND account_id = $2 AND undo_status = 'pending'
              RETURNING id)
           SELECT id FROM released`,
          [ids, accountId, write.modseq],
        );
        for (const row of rows) write.record('EmailSubmission', row.id, 'updated');
        return rows.map((row) => row.id);
      });
      if (result.length > 0) changedAccounts.push(accountId);
      released.push(...result);
    }
    await this.accounts.announce(changedAccounts, 'update');
    // Left to the outbox's sweep if this fails.
    await this.outbox.publish(released);
    if (released.length > 0) this.logger.info({ released: released.length }, 'released delayed submissions');
    return released;
  }
}

import { randomUUID } from 'node:crypto';
import { expectEventually } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { UnpublishedChangesSweeper } from '../publishing/unpublished-changes.sweeper.js';
import { AccountWrite } from './account-write.js';

interface TableUpdates {
  updates: number;
  hotUpdates: number;
}

const ACCOUNTS = 10;
const MESSAGES_PER_ACCOUNT = 30;

/**
 * Every delivery writes its account's state row (the new modseqs at commit), and so does the mark of
 * its announcement, a moment later and with the accounts announced meanwhile. Those updates are HOT (ADR 0055): the new row version stays
 * on its page and no index gets an entry for it, so the table and its key do not grow with the
 * mail an account receives, even where vacuum runs rarely.
 */
describe(AccountWrite.name, () => {
  let harness: MailboxTestApp;

  const updatesOfAccountState = async (): Promise<TableUpdates> => {
    const { rows } = await harness.db.query<TableUpdates>(
      `SELECT n_tup_upd::int AS "updates", n_tup_hot_upd::int AS "hotUpdates"
         FROM pg_stat_user_tables WHERE schemaname = 'mailbox' AND relname = 'account_state'`,
    );
    return rows[0]!;
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('updates the state rows in place on every delivery, so a burst leaves no dead index entries', async () => {
    const store = harness.app.get(StoreDeliveryUseCase);
    const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
    // Each account's row exists before the counting starts.
    for (const accountId of accounts) {
      await store.execute([mailArrivedEvent(accountId, rawMessage({ subject: 'first' }))]);
    }
    const allMarked = async (modseq: number) => {
      const { rows } = await harness.db.query<{ marked: number }>(
        `SELECT count(*)::int AS marked FROM mailbox.account_state
          WHERE account_id = ANY($1::uuid[]) AND modseq = $2 AND published_modseq = modseq`,
        [accounts, modseq],
      );
      expect(rows[0]!.marked).toBe(ACCOUNTS);
    };
    const before = await expectEventually(
      async () => {
        await allMarked(1);
        const now = await updatesOfAccountState();
        expect(now.updates).toBeGreaterThanOrEqual(ACCOUNTS + 1);
        return now;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

    for (let message = 0; message < MESSAGES_PER_ACCOUNT; message += 1) {
      for (const accountId of accounts) {
        await store.execute([mailArrivedEvent(accountId, rawMessage({ subject: `burst ${message}` }))]);
      }
    }
    const deliveries = ACCOUNTS * MESSAGES_PER_ACCOUNT;
    // The statistics reach pg_stat_user_tables when the writing connections report them.
    const burst = await expectEventually(
      async () => {
        await allMarked(1 + MESSAGES_PER_ACCOUNT);
        const now = await updatesOfAccountState();
        expect(now.updates - before.updates).toBeGreaterThanOrEqual(deliveries + 1);
        return { updates: now.updates - before.updates, hotUpdates: now.hotUpdates - before.hotUpdates };
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    console.log(JSON.stringify({ deliveries, accountStateUpdates: burst }));

    // Most, where none were before: a new version stays on its page when the page has room or can
    // be pruned of the old versions, which a snapshot still open elsewhere in the database delays
    // (603 of 603 and 533 of 600 in two runs alone on a shared machine, 500 of 600 beside 15 other
    // test files).
    expect(burst.hotUpdates).toBeGreaterThanOrEqual(0.5 * burst.updates);
  });

  it('still finds the accounts whose changes were never announced', async () => {
    const accountId = randomUUID();
    await harness.app
      .get(StoreDeliveryUseCase)
      .execute([mailArrivedEvent(accountId, rawMessage({ subject: 'lost announcement' }))]);
    // Its announcement is marked a moment later (AnnouncementMarks).
    await expectEventually(async () => {
      const { rows } = await harness.db.query<{ pending: boolean }>(
        'SELECT modseq > published_modseq AS pending FROM mailbox.account_state WHERE account_id = $1',
        [accountId],
      );
      expect(rows).toEqual([{ pending: false }]);
    });
    // As if Kafka had been down when the delivery committed, long enough ago for the sweep.
    await harness.db.query(
      `UPDATE mailbox.account_state SET published_modseq = 0, updated_at = now() - interval '1 minute'
        WHERE account_id = $1`,
      [accountId],
    );
    const swept = await harness.app.get(UnpublishedChangesSweeper).sweep();
    expect(swept).toBeGreaterThanOrEqual(1);
    const { rows } = await harness.db.query<{ pending: boolean }>(
      'SELECT modseq > published_modseq AS pending FROM mailbox.account_state WHERE account_id = $1',
      [accountId],
    );
    expect(rows).toEqual([{ pending: false }]);
  });
});

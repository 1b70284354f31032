import { randomUUID } from 'node:crypto';
import { expectEventually } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { AnnouncementMarks, MARK_INTERVAL_MS } from './announcement-marks.js';
import { UnpublishedChangesSweeper } from './unpublished-changes.sweeper.js';

/**
 * A delivery's state is announced from what its transaction committed and marked announced a
 * moment later, with the other accounts announced meanwhile: no statement reads the state back
 * after the commit, and none marks it after each batch.
 */
describe(AnnouncementMarks.name, () => {
  let harness: MailboxTestApp;
  let store: StoreDeliveryUseCase;
  let marks: AnnouncementMarks;

  const stateRow = async (accountId: string) => {
    const { rows } = await harness.db.query<{ modseq: string; published_modseq: string }>(
      'SELECT modseq, published_modseq FROM mailbox.account_state WHERE account_id = $1',
      [accountId],
    );
    return rows[0];
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    store = harness.app.get(StoreDeliveryUseCase);
    marks = harness.app.get(AnnouncementMarks);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('marks the states of a batch announced within the mark interval', async () => {
    const accounts = [randomUUID(), randomUUID(), randomUUID()];
    const result = await store.execute(
      accounts.map((accountId) => mailArrivedEvent(accountId, rawMessage({ subject: 'marked later' }))),
    );
    expect(result.published.map((event) => event.accountId).sort()).toEqual([...accounts].sort());

    await expectEventually(
      async () => {
        for (const accountId of accounts)
          expect(await stateRow(accountId)).toEqual({ modseq: '1', published_modseq: '1' });
      },
      { timeoutMs: 10 * MARK_INTERVAL_MS, intervalMs: 50 },
    );
    expect(marks.pendingAccounts).toBe(0);
  });

  it('announces a later change from the unmarked announcement, and the sweeper leaves it alone', async () => {
    // The periodic marking stops (what was waiting is written); from here marks wait for flush().
    await marks.onModuleDestroy();
    const accountId = randomUUID();

    const first = await store.execute([mailArrivedEvent(accountId, rawMessage({ subject: 'first' }))]);
    expect(await stateRow(accountId)).toEqual({ modseq: '1', published_modseq: '0' });

    const second = await store.execute([mailArrivedEvent(accountId, rawMessage({ subject: 'second' }))]);
    // Only the second email: the row's mark still says nothing was announced, this replica knows better.
    expect(second.published).toHaveLength(1);
    expect(second.published[0]!.state).toBe('2');
    expect(second.published[0]!.createdEmailIds).toEqual(second.changes[0]!.createdEmailIds);
    expect(second.published[0]!.createdEmailIds).not.toContain(first.changes[0]!.createdEmailIds[0]);

    // Old enough for the sweeper, which must not announce what this replica announced.
    await harness.db.query(
      `UPDATE mailbox.account_state SET updated_at = now() - interval '1 minute' WHERE account_id = $1`,
      [accountId],
    );
    expect(marks.pendingAccounts).toBe(1);
    expect(await harness.app.get(UnpublishedChangesSweeper).sweep()).toBe(0);

    await marks.flush();
    expect(await stateRow(accountId)).toEqual({ modseq: '2', published_modseq: '2' });
    expect(marks.pendingAccounts).toBe(0);
  });
});

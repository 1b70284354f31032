import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../../usecases/store-delivery/store-delivery.usecase.js';
import { compileQuery } from '../methods/email.methods.js';
import { compileEmailFilter } from './email-filter.js';
import { rowsRead as rowsReadBy } from '../../testing/plan-rows.js';

const THREAD_CONDITIONS = ['allInThreadHaveKeyword', 'someInThreadHaveKeyword', 'noneInThreadHaveKeyword'];

describe(compileEmailFilter.name, () => {
  let harness: MailboxTestApp;

  /** An account whose one thread holds `size` emails, one of them (the first) flagged. */
  const accountWithThread = async (size: number): Promise<string> => {
    const accountId = randomUUID();
    const stored = await harness.app
      .get(StoreDeliveryUseCase)
      .execute([mailArrivedEvent(accountId, rawMessage({ subject: `thread of ${size}` }))]);
    const seedId = stored.changes[0]!.createdEmailIds[0]!;
    await harness.db.query(
      `INSERT INTO mailbox.emails
       SELECT (jsonb_populate_record(e, jsonb_build_object('id', $2 || g, 'delivery_id', $2 || g))).*
         FROM mailbox.emails AS e, generate_series(1, $3::int - 1) AS g
        WHERE e.id = $1`,
      [seedId, `M${accountId.slice(0, 8)}`, size],
    );
    await harness.db.query(
      `UPDATE mailbox.emails SET keywords = keywords || '{"$flagged": true}' WHERE account_id = $1 AND id = $2`,
      [accountId, seedId],
    );
    return accountId;
  };

  const rowsRead = async (accountId: string, filter: unknown): Promise<number> => {
    const query = compileQuery({ filter }, accountId);
    return rowsReadBy(harness.db, query.ranked, query.params, 'emails');
  };

  const count = async (accountId: string, condition: string): Promise<number> => {
    const query = compileQuery({ filter: { [condition]: '$flagged' } }, accountId);
    const { rows } = await harness.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${query.visible}) AS v`,
      query.params,
    );
    return rows[0]!.n;
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('reads each email of a thread a bounded number of times, whatever the size of the thread', async () => {
    await accountWithThread(100);
    const large = await accountWithThread(800);
    const { rows } = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mailbox.emails');
    const tableRows = rows[0]!.n;
    // Alone, and where PostgreSQL cannot turn them into joins: under OR and NOT.
    const filters: unknown[] = [
      ...THREAD_CONDITIONS.map((condition) => ({ [condition]: '$flagged' })),
      { operator: 'OR', conditions: THREAD_CONDITIONS.map((condition) => ({ [condition]: '$seen' })) },
      { operator: 'NOT', conditions: THREAD_CONDITIONS.map((condition) => ({ [condition]: '$flagged' })) },
    ];
    for (const filter of filters) {
      // One pass over the table for the emails and one per thread condition at most. A scan of the
      // thread mates per email (what PostgreSQL runs for a correlated EXISTS under OR, with the
      // statistics of a table that just grew) reads 800² rows per condition: 1.28 million here.
      expect(await rowsRead(large, filter), JSON.stringify(filter)).toBeLessThanOrEqual(
        (THREAD_CONDITIONS.length + 1) * tableRows,
      );
    }
  });

  it('matches the threads where all, some or none of the emails have the keyword', async () => {
    const accountId = await accountWithThread(5);
    expect(await count(accountId, 'someInThreadHaveKeyword')).toBe(5);
    expect(await count(accountId, 'allInThreadHaveKeyword')).toBe(0);
    expect(await count(accountId, 'noneInThreadHaveKeyword')).toBe(0);
    await harness.db.query(
      `UPDATE mailbox.emails SET keywords = keywords || '{"$flagged": true}' WHERE account_id = $1`,
      [accountId],
    );
    expect(await count(accountId, 'allInThreadHaveKeyword')).toBe(5);
    await harness.db.query(`UPDATE mailbox.emails SET keywords = '{}' WHERE account_id = $1`, [accountId]);
    expect(await count(accountId, 'someInThreadHaveKeyword')).toBe(0);
    expect(await count(accountId, 'noneInThreadHaveKeyword')).toBe(5);
  });
});

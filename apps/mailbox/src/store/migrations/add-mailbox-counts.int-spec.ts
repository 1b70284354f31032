import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COUNTED_FROM_EMAILS } from '../../testing/counted-mailboxes.js';
import { useMigratedMailboxDatabase } from '../../testing/migrated-database.js';
import { MAILBOXES_WITH_COUNTS } from '../../jmap/methods/mailbox.methods.js';
import { AddMailboxCounts1796800000000 } from './1796800000000-add-mailbox-counts.js';

const MAILBOXES = ['Finbox', 'Farchive', 'Fwork', 'Ftrash'];
const KEYWORDS: Record<string, boolean>[] = [
  {},
  { $seen: true },
  { $draft: true },
  { $flagged: true },
  { $seen: true, $flagged: true },
];

/** A small deterministic generator, so that a failing sequence can be replayed. */
function generator(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % below;
  };
}

describe(AddMailboxCounts1796800000000.name, () => {
  const accountId = randomUUID();
  const database = useMigratedMailboxDatabase([accountId]);
  const query = <T>(sql: string, params: unknown[] = []) =>
    database.dataSource.query(sql, params) as Promise<T[]>;

  const createMailboxes = async (account: string, prefix = '') => {
    for (const [index, id] of MAILBOXES.entries()) {
      await query(
        `INSERT INTO mailbox.mailboxes (id, account_id, name, created_modseq, updated_modseq)
         VALUES ($1, $2, $3, 1, 1) ON CONFLICT (id) DO NOTHING`,
        [`${prefix}${id}`, account, `${prefix}${id}-${index}`],
      );
    }
  };
  const insertEmail = (
    account: string,
    id: string,
    thread: string,
    mailboxIds: Record<string, boolean>,
    keywords: Record<string, boolean>,
  ) =>
    query(
      `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, keywords, received_at,
                                   size, created_modseq, updated_modseq, blob_id, sort_from, sort_subject)
       VALUES ($1, $2, $1, $3, $4, $5, now(), 10, 1, 1, 'B', '', '')`,
      [id, account, thread, JSON.stringify(mailboxIds), JSON.stringify(keywords)],
    );
  const expectKeptAsCounted = async (account = accountId) =>
    expect(await query(MAILBOXES_WITH_COUNTS, [account, null])).toEqual(
      await query(COUNTED_FROM_EMAILS, [account, null]),
    );

  it('counts the emails written before it, and keeps counting as they change', async () => {
    await database.undoThrough(AddMailboxCounts1796800000000);
    await createMailboxes(accountId);
    await insertEmail(accountId, 'Ma', 'T1', { Finbox: true }, {});
    await insertEmail(accountId, 'Mb', 'T1', { Finbox: true, Fwork: true }, { $seen: true });
    await insertEmail(accountId, 'Mc', 'T2', { Farchive: true }, { $draft: true });

    await database.migrate();
    expect(await database.isApplied(AddMailboxCounts1796800000000)).toBe(true);
    expect(await query(MAILBOXES_WITH_COUNTS, [accountId, null])).toMatchObject([
      { id: 'Farchive', total_emails: 1, unread_emails: 0, total_threads: 1, unread_threads: 0 },
      { id: 'Finbox', total_emails: 2, unread_emails: 1, total_threads: 1, unread_threads: 1 },
      { id: 'Ftrash', total_emails: 0, unread_emails: 0, total_threads: 0, unread_threads: 0 },
      { id: 'Fwork', total_emails: 1, unread_emails: 0, total_threads: 1, unread_threads: 0 },
    ]);

    await query(`UPDATE mailbox.emails SET keywords = '{"$seen": true}' WHERE id = 'Ma'`);
    await query(`UPDATE mailbox.emails SET mailbox_ids = '{"Ftrash": true}' WHERE id = 'Mb'`);
    await query(`DELETE FROM mailbox.emails WHERE id = 'Mc'`);
    expect(await query(MAILBOXES_WITH_COUNTS, [accountId, null])).toMatchObject([
      { id: 'Farchive', total_emails: 0, unread_emails: 0, total_threads: 0, unread_threads: 0 },
      { id: 'Finbox', total_emails: 1, unread_emails: 0, total_threads: 1, unread_threads: 0 },
      { id: 'Ftrash', total_emails: 1, unread_emails: 0, total_threads: 1, unread_threads: 0 },
      { id: 'Fwork', total_emails: 0, unread_emails: 0, total_threads: 0, unread_threads: 0 },
    ]);
    // A thread with no email left in a mailbox leaves no row behind.
    const [emptied] = await query<{ threads: number }>(
      `SELECT count(*)::int AS threads FROM mailbox.mailbox_thread_counts WHERE mailbox_id = 'Farchive'`,
    );
    expect(emptied?.threads).toBe(0);
  });

  it('agrees with a count of the emails after any sequence of inserts, moves, flags, thread changes and deletes', async () => {
    const next = generator(20_261_207);
    const ids: string[] = [];
    const someMailboxes = () => {
      const chosen = MAILBOXES.filter(() => next(3) === 0);
      return Object.fromEntries((chosen.length > 0 ? chosen : [MAILBOXES[next(4)]!]).map((id) => [id, true]));
    };
    for (let step = 1; step <= 400; step += 1) {
      const operation = ids.length < 5 ? 0 : next(7);
      const target = ids[next(ids.length)] ?? '';
      if (operation === 0) {
        const id = `R${step}`;
        await insertEmail(accountId, id, `T${next(12)}`, someMailboxes(), KEYWORDS[next(KEYWORDS.length)]!);
        ids.push(id);
      } else if (operation === 1) {
        await query(`UPDATE mailbox.emails SET keywords = $2 WHERE id = $1`, [
          target,
          JSON.stringify(KEYWORDS[next(KEYWORDS.length)]),
        ]);
      } else if (operation === 2) {
        await query(`UPDATE mailbox.emails SET mailbox_ids = $2 WHERE id = $1`, [
          target,
          JSON.stringify(someMailboxes()),
        ]);
      } else if (operation === 3) {
        await query(`UPDATE mailbox.emails SET thread_id = $2 WHERE id = $1`, [target, `T${next(12)}`]);
      } else if (operation === 4) {
        // One statement over many rows, as a bulk Email/set or a mailbox's destruction is.
        await query(
          `UPDATE mailbox.emails SET keywords = keywords || '{"$seen": true}', mailbox_ids = mailbox_ids || '{"Fwork": true}'
            WHERE account_id = $1 AND thread_id = $2`,
          [accountId, `T${next(12)}`],
        );
      } else if (operation === 5) {
        // A column the counts do not depend on.
        await query(`UPDATE mailbox.emails SET updated_modseq = updated_modseq + 1 WHERE id = $1`, [target]);
      } else {
        await query(`DELETE FROM mailbox.emails WHERE id = $1`, [target]);
        ids.splice(ids.indexOf(target), 1);
      }
      if (step % 25 === 0) await expectKeptAsCounted();
    }
    await query(`DELETE FROM mailbox.emails WHERE account_id = $1 AND thread_id IN ('T1', 'T2', 'T3')`, [
      accountId,
    ]);
    await expectKeptAsCounted();
  });

  it('keeps each account to its own mailboxes, and an account deleted whole takes its counts with it', async () => {
    const other = randomUUID();
    await query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [other]);
    await createMailboxes(other, 'X');
    await insertEmail(other, 'Xa', 'T1', { XFinbox: true }, {});
    // An id naming another account's mailbox is not counted there.
    await insertEmail(other, 'Xb', 'T1', { XFinbox: true, Finbox: true }, {});
    await expectKeptAsCounted(other);
    await expectKeptAsCounted(accountId);

    await query('DELETE FROM mailbox.account_state WHERE account_id = $1', [other]);
    const [left] = await query<{ rows: number }>(
      `SELECT (SELECT count(*) FROM mailbox.mailbox_counts WHERE mailbox_id LIKE 'X%')
            + (SELECT count(*) FROM mailbox.mailbox_thread_counts WHERE mailbox_id LIKE 'X%')::int AS rows`,
    );
    expect(Number(left?.rows)).toBe(0);
    await expectKeptAsCounted(accountId);
  });

  it('drops the counts and their triggers when undone, and counts afresh when run again', async () => {
    await database.undoThrough(AddMailboxCounts1796800000000);
    const [dropped] = await query<{ tables: number }>(
      `SELECT count(*)::int AS tables FROM pg_tables
        WHERE schemaname = 'mailbox' AND tablename IN ('mailbox_counts', 'mailbox_thread_counts')`,
    );
    expect(dropped?.tables).toBe(0);
    await insertEmail(accountId, 'Mz', 'T9', { Finbox: true }, {});
    await database.migrate();
    await expectKeptAsCounted();
  });
});

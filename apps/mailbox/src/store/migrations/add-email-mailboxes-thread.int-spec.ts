import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMigratedMailboxDatabase } from '../../testing/migrated-database.js';
import { AddEmailMailboxesThread1796600500000 } from './1796600500000-add-email-mailboxes-thread.js';

describe(AddEmailMailboxesThread1796600500000.name, () => {
  const accountId = randomUUID();
  const database = useMigratedMailboxDatabase([accountId]);

  const insertEmail = (id: string, thread: string, mailboxIds: Record<string, boolean>) =>
    database.dataSource.query(
      `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                                   created_modseq, updated_modseq, blob_id)
       VALUES ($1, $2, $1, $3, $4, timestamptz '2026-03-01 09:00Z', 10, 1, 1, 'B')`,
      [id, accountId, thread, JSON.stringify(mailboxIds)],
    );
  const memberships = () =>
    database.membershipRows(accountId, `mailbox_id || ' ' || email_id || ' ' || thread_id`);
  const undo = () => database.undoThrough(AddEmailMailboxesThread1796600500000);

  it('fills the thread of the rows written before it, and the trigger writes it after', async () => {
    await undo();
    await insertEmail('Ma', 'Tone', { Finbox: true, Fwork: true });
    const [column] = await database.dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.columns
        WHERE table_schema = 'mailbox' AND table_name = 'email_mailboxes' AND column_name = 'thread_id'`,
    );
    expect(column.n).toBe(0);

    await database.migrate();
    expect(await memberships()).toEqual(['Finbox Ma Tone', 'Fwork Ma Tone']);
    await insertEmail('Mb', 'Ttwo', { Finbox: true });
    await database.dataSource.query(
      `UPDATE mailbox.emails SET mailbox_ids = '{"Fwork": true}' WHERE id = 'Ma'`,
    );
    // A thread is never changed by the service; one changed by hand still moves the rows.
    await database.dataSource.query(`UPDATE mailbox.emails SET thread_id = 'Tthree' WHERE id = 'Mb'`);
    expect(await memberships()).toEqual(['Finbox Mb Tthree', 'Fwork Ma Tone']);
  });

  it('drops the column and writes rows without it when undone', async () => {
    await undo();
    await insertEmail('Mc', 'Tfour', { Finbox: true });
    const rows = (await database.dataSource.query(
      `SELECT email_id FROM mailbox.email_mailboxes WHERE account_id = $1 ORDER BY 1`,
      [accountId],
    )) as Array<{ email_id: string }>;
    expect(rows.map((row) => row.email_id)).toEqual(['Ma', 'Mb', 'Mc']);
    await database.migrate();
    expect(await memberships()).toEqual(['Finbox Mb Tthree', 'Finbox Mc Tfour', 'Fwork Ma Tone']);
  });
});

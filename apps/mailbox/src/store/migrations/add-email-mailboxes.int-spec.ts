import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMigratedMailboxDatabase } from '../../testing/migrated-database.js';
import { AddEmailMailboxes1796500500000 } from './1796500500000-add-email-mailboxes.js';

describe(AddEmailMailboxes1796500500000.name, () => {
  const accountId = randomUUID();
  const database = useMigratedMailboxDatabase([accountId]);

  const insertEmail = (id: string, mailboxIds: Record<string, boolean>, minute: number) =>
    database.dataSource.query(
      `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                                   created_modseq, updated_modseq, blob_id)
       VALUES ($1, $2, $1, 'T' || $1, $3, timestamptz '2026-03-01 09:00Z' + make_interval(mins => $4), 10, 1, 1, 'B')`,
      [id, accountId, JSON.stringify(mailboxIds), minute],
    );
  const memberships = () =>
    database.membershipRows(
      accountId,
      `mailbox_id || ' ' || email_id || ' ' || to_char(received_at AT TIME ZONE 'UTC', 'HH24:MI')`,
    );

  it('keeps one row per mailbox an email is in (set to true) through inserts, changes and deletes', async () => {
    await insertEmail('Ma', { Finbox: true }, 1);
    await insertEmail('Mb', { Finbox: true, Fwork: true, Fgone: false }, 2);
    expect(await memberships()).toEqual(['Finbox Ma 09:01', 'Finbox Mb 09:02', 'Fwork Mb 09:02']);

    await database.dataSource.query(
      `UPDATE mailbox.emails SET mailbox_ids = '{"Fwork": true, "Fold": true}' WHERE id = 'Ma'`,
    );
    await database.dataSource.query(`UPDATE mailbox.emails SET keywords = '{"$seen": true}' WHERE id = 'Mb'`);
    await database.dataSource.query(
      `UPDATE mailbox.emails SET received_at = received_at + interval '1 hour' WHERE id = 'Mb'`,
    );
    expect(await memberships()).toEqual([
      'Finbox Mb 10:02',
      'Fold Ma 09:01',
      'Fwork Ma 09:01',
      'Fwork Mb 10:02',
    ]);

    await database.dataSource.query(`DELETE FROM mailbox.emails WHERE id = 'Ma'`);
    expect(await memberships()).toEqual(['Finbox Mb 10:02', 'Fwork Mb 10:02']);
  });

  it('drops the table and its trigger when undone, and fills it from the stored emails when run', async () => {
    // The migrations after it first, newest first, then it.
    await database.undoThrough(AddEmailMailboxes1796500500000);
    const [gone] = await database.dataSource.query(`SELECT to_regclass('mailbox.email_mailboxes') AS name`);
    expect(gone.name).toBeNull();
    // Written while nothing kept the table.
    await insertEmail('Mc', { Fwork: true, Fother: true }, 3);
    await database.dataSource.query(
      `UPDATE mailbox.emails SET mailbox_ids = '{"Fother": true}' WHERE id = 'Mb'`,
    );

    await database.migrate();
    expect(await memberships()).toEqual(['Fother Mb 10:02', 'Fother Mc 09:03', 'Fwork Mc 09:03']);
    await database.dataSource.query(`DELETE FROM mailbox.emails WHERE id = 'Mc'`);
    expect(await memberships()).toEqual(['Fother Mb 10:02']);
  });
});

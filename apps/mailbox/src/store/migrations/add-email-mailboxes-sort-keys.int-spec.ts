import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMigratedMailboxDatabase } from '../../testing/migrated-database.js';
import { AddEmailMailboxesSortKeys1796700000000 } from './1796700000000-add-email-mailboxes-sort-keys.js';

describe(AddEmailMailboxesSortKeys1796700000000.name, () => {
  const accountId = randomUUID();
  const database = useMigratedMailboxDatabase([accountId]);

  const insertEmail = (
    id: string,
    sentAt: string | null,
    from: string,
    subject: string,
    mailboxIds: Record<string, boolean>,
  ) =>
    database.dataSource.query(
      `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                                   sent_at, sort_from, sort_subject, created_modseq, updated_modseq, blob_id)
       VALUES ($1, $2, $1, 'T' || $1, $3, timestamptz '2026-03-01 09:00Z', 10, $4, $5, $6, 1, 1, 'B')`,
      [id, accountId, JSON.stringify(mailboxIds), sentAt, from, subject],
    );
  const memberships = () =>
    database.membershipRows(
      accountId,
      `concat_ws(' ', mailbox_id, email_id,
                 CASE WHEN sent_at = '-infinity' THEN '-infinity'
                      ELSE to_char(sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') END,
                 sort_from, sort_subject)`,
    );
  const undo = () => database.undoThrough(AddEmailMailboxesSortKeys1796700000000);

  it('fills the sort keys of the rows written before it, and the trigger writes them after', async () => {
    await undo();
    await insertEmail('Ma', '2026-02-01 08:00Z', 'ada@example.org', 'plans', { Finbox: true, Fwork: true });
    await insertEmail('Mb', null, 'bob@example.org', 'lunch', { Finbox: true });

    await database.migrate();
    expect(await database.isApplied(AddEmailMailboxesSortKeys1796700000000)).toBe(true);
    // A missing sentAt is kept as -infinity, where Email/query puts it.
    expect(await memberships()).toEqual([
      'Finbox Ma 2026-02-01T08:00 ada@example.org plans',
      'Finbox Mb -infinity bob@example.org lunch',
      'Fwork Ma 2026-02-01T08:00 ada@example.org plans',
    ]);
    await insertEmail('Mc', '2026-02-02 10:30Z', 'cy@example.org', 'minutes', { Fwork: true });
    await database.dataSource.query(
      `UPDATE mailbox.emails SET mailbox_ids = '{"Fwork": true}' WHERE id = 'Mb'`,
    );
    // Keys are never changed by the service; one changed by hand still rewrites the rows.
    await database.dataSource.query(`UPDATE mailbox.emails SET sort_subject = 'dinner' WHERE id = 'Mb'`);
    await database.dataSource.query(
      `UPDATE mailbox.emails SET sent_at = '2026-02-03 11:00Z' WHERE id = 'Ma'`,
    );
    expect(await memberships()).toEqual([
      'Finbox Ma 2026-02-03T11:00 ada@example.org plans',
      'Fwork Ma 2026-02-03T11:00 ada@example.org plans',
      'Fwork Mb -infinity bob@example.org dinner',
      'Fwork Mc 2026-02-02T10:30 cy@example.org minutes',
    ]);
    const { indexes } = (
      (await database.dataSource.query(
        `SELECT string_agg(indexname, ' ' ORDER BY indexname) AS indexes FROM pg_indexes
          WHERE schemaname = 'mailbox' AND tablename = 'email_mailboxes'`,
      )) as Array<{ indexes: string }>
    )[0]!;
    expect(indexes).toBe(
      'email_mailboxes_from_idx email_mailboxes_order_key email_mailboxes_sent_idx email_mailboxes_subject_idx email_mailboxes_thread_idx',
    );
  });

  it('drops the columns and their indexes and writes rows without them when undone', async () => {
    await undo();
    await insertEmail('Md', null, 'di@example.org', 'notes', { Finbox: true });
    expect(await database.membershipRows(accountId, `mailbox_id || ' ' || email_id`)).toEqual([
      'Finbox Ma',
      'Finbox Md',
      'Fwork Ma',
      'Fwork Mb',
      'Fwork Mc',
    ]);
    const [columns] = await database.dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.columns
        WHERE table_schema = 'mailbox' AND table_name = 'email_mailboxes'
          AND column_name IN ('sent_at', 'sort_from', 'sort_subject')`,
    );
    expect(columns.n).toBe(0);
    await database.migrate();
    expect(await memberships()).toContain('Finbox Md -infinity di@example.org notes');
  });
});

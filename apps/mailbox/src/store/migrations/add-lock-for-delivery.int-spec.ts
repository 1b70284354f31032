import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMigratedMailboxDatabase } from '../../testing/migrated-database.js';
import { AddLockForDelivery1796900000000 } from './1796900000000-add-lock-for-delivery.js';

interface Locked {
  modseq: string;
  published_modseq: string;
  known: string[];
  roles: Record<string, string> | null;
  vacation_enabled: boolean;
}

describe(AddLockForDelivery1796900000000.name, () => {
  const accountId = randomUUID();
  const database = useMigratedMailboxDatabase([accountId]);
  const lock = (account: string, deliveryIds: string[]) =>
    database.dataSource.query('SELECT * FROM mailbox.lock_for_delivery($1, $2)', [
      account,
      deliveryIds,
    ]) as Promise<Locked[]>;

  it("creates the state row of an account's first change and reads it locked", async () => {
    const newcomer = randomUUID();
    const [row] = await lock(newcomer, ['d1']);
    expect(row).toMatchObject({ modseq: '0', published_modseq: '0', known: [], roles: null });
    expect(row?.vacation_enabled).toBe(false);
    const rows = (await database.dataSource.query(
      'SELECT account_id FROM mailbox.account_state WHERE account_id = $1',
      [newcomer],
    )) as unknown[];
    expect(rows).toHaveLength(1);
  });

  it('reads, after waiting for the lock, what its previous holder committed', async () => {
    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT 1 FROM mailbox.account_state WHERE account_id = $1 FOR UPDATE', [accountId]);
      await holder.query(
        `INSERT INTO mailbox.mailboxes (id, account_id, name, role, created_modseq, updated_modseq)
         VALUES ($1, $2, 'Archive', 'archive', 1, 1)`,
        [`A${accountId}`, accountId],
      );
      let settled = false;
      const waiting = lock(accountId, ['d1']).finally(() => {
        settled = true;
      });
      // The waiting statement began (and took its first snapshot) before the holder commits.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await holder.query('COMMIT');
      const [row] = await waiting;
      expect(row?.roles).toEqual({ archive: `A${accountId}` });
    } finally {
      await holder.release();
    }
  });

  it('names the deliveries the account has, and only those of this account', async () => {
    const other = randomUUID();
    await database.dataSource.query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [other]);
    const insertEmail = (account: string, id: string, deliveryId: string) =>
      database.dataSource.query(
        `INSERT INTO mailbox.emails (id, account_id, delivery_id, thread_id, mailbox_ids, received_at, size,
                                     created_modseq, updated_modseq, blob_id, sort_from, sort_subject)
         VALUES ($1, $2, $3, $1, '{}'::jsonb, now(), 1, 1, 1, 'B', '', '')`,
        [id, account, deliveryId],
      );
    await insertEmail(accountId, `M1${accountId}`, 'stored-here');
    await insertEmail(other, `M1${other}`, 'stored-there');
    const [row] = await lock(accountId, ['stored-here', 'stored-there', 'new']);
    expect(row?.known).toEqual(['stored-here']);
  });
});

import type { EntityManager } from 'typeorm';

/** The ids of every mailbox of the account. */
export async function mailboxIdsOf(manager: EntityManager, accountId: string): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await manager.query(
    'SELECT id FROM mailbox.mailboxes WHERE account_id = $1',
    [accountId],
  );
  return new Set(rows.map((row) => row.id));
}

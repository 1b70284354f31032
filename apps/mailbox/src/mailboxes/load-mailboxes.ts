import type { EntityManager } from 'typeorm';
import type { MailboxNode } from './mailbox-tree.js';

/** A row of mailbox.mailboxes, as far as the tree needs it. */
export interface MailboxNodeRow {
  id: string;
  name: string;
  parent_id: string | null;
  role: string | null;
  sort_order: number;
  is_subscribed: boolean;
}

/** Every mailbox of the account as tree nodes, by id. */
export async function loadMailboxNodes(
  manager: EntityManager,
  accountId: string,
  lock = false,
): Promise<Map<string, MailboxNode>> {
  const rows: MailboxNodeRow[] = await manager.query(
    `SELECT id, name, parent_id, role, sort_order, is_subscribed FROM mailbox.mailboxes
      WHERE account_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [accountId],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        name: row.name,
        parentId: row.parent_id,
        role: row.role,
        sortOrder: row.sort_order,
        isSubscribed: row.is_subscribed,
      },
    ]),
  );
}

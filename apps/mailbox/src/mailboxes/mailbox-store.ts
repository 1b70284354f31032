import type { EntityManager } from 'typeorm';
import { mailboxDb, runQuery } from '../store/query-builder.js';

/**
 * Checks the mailbox ids of a request against the account's mailboxes: a request's id (a creation
 * id too, which `resolve` turns into the id it created) becomes a mailbox's id, or undefined.
 */
export async function mailboxResolver(
  manager: EntityManager,
  accountId: string,
  resolve: (id: string) => string,
): Promise<(id: string) => string | undefined> {
  const rows = await runQuery(
    manager,
    mailboxDb.selectFrom('mailbox.mailboxes').select('id').where('account_id', '=', accountId),
  );
  const ids = new Set(rows.map((row) => row.id));
  return (id) => {
    const resolved = resolve(id);
    return ids.has(resolved) ? resolved : undefined;
  };
}

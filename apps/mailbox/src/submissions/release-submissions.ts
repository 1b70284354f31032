import type { DataSource } from 'typeorm';
import type { AccountChanges } from '../changes/account-changes.js';

const BATCH = 100;

/**
 * Delayed sending: due pending submissions become `final` under their account's lock (which a cancel
 * also takes), so a canceled one never goes out; the outbox publishes them after (docs/outbound.md). Returns their ids.
 */
export async function releaseDueSubmissions(
  dataSource: DataSource,
  accounts: AccountChanges,
): Promise<string[]> {
  const due: Array<{ id: string; account_id: string }> = await dataSource.query(
    `SELECT id, account_id FROM mailbox.email_submissions
        WHERE undo_status = 'pending' AND send_at <= now()
        ORDER BY send_at LIMIT ${BATCH}`,
  );
  const byAccount = new Map<string, string[]>();
  for (const row of due) byAccount.set(row.account_id, [...(byAccount.get(row.account_id) ?? []), row.id]);
  const released: string[] = [];
  const changedAccounts: string[] = [];
  for (const [accountId, ids] of byAccount) {
    const { result } = await accounts.write(accountId, async (write) => {
      // Re-read under the account lock: a cancel may have committed since the select.
      const rows: Array<{ id: string }> = await write.manager.query(
        `WITH released AS (
             UPDATE mailbox.email_submissions SET undo_status = 'final', updated_modseq = $3
              WHERE id = ANY($1::text[]) AND account_id = $2 AND undo_status = 'pending'
              RETURNING id)
           SELECT id FROM released`,
        [ids, accountId, write.modseq],
      );
      for (const row of rows) write.record('EmailSubmission', row.id, 'updated');
      return rows.map((row) => row.id);
    });
    if (result.length > 0) changedAccounts.push(accountId);
    released.push(...result);
  }
  await accounts.announce(changedAccounts, 'update');
  return released;
}

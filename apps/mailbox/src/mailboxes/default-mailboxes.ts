import type { AccountWrite } from '../changes/account-write.js';
import { newMailboxId } from '../ids/random-id.js';
import type { MailboxRole } from '../store/query-builder.js';

/** The mailboxes every account has, one per standard role. */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ role: MailboxRole; name: string; sortOrder: number }> = [
  { role: 'inbox', name: 'Inbox', sortOrder: 1 },
  { role: 'archive', name: 'Archive', sortOrder: 2 },
  { role: 'drafts', name: 'Drafts', sortOrder: 3 },
  { role: 'sent', name: 'Sent', sortOrder: 4 },
  { role: 'junk', name: 'Junk', sortOrder: 5 },
  { role: 'trash', name: 'Trash', sortOrder: 6 },
];

/**
 * Creates whichever standard mailboxes the account lacks, within `write`; returns each role's
 * mailbox. `known` is the account's mailboxes by role when the caller already read them under the
 * account's lock.
 */
export async function ensureDefaultMailboxes(
  write: AccountWrite,
  known?: ReadonlyMap<MailboxRole, string>,
): Promise<Map<MailboxRole, string>> {
  const byRole = new Map(known ?? (await mailboxesByRole(write)));
  for (const mailbox of DEFAULT_MAILBOXES) {
    if (byRole.has(mailbox.role)) continue;
    const inserted: Array<{ id: string }> = await write.manager.query(
      `INSERT INTO mailbox.mailboxes (id, account_id, name, role, parent_id, sort_order, created_modseq, updated_modseq)
       VALUES ($1, $2, $3, $4, NULL, $5, $6, $6)
       ON CONFLICT (account_id, role) WHERE role IS NOT NULL DO NOTHING
       RETURNING id`,
      [newMailboxId(), write.accountId, mailbox.name, mailbox.role, mailbox.sortOrder, write.modseq],
    );
    if (inserted[0]) {
      byRole.set(mailbox.role, inserted[0].id);
      write.record('Mailbox', inserted[0].id, 'created');
    }
  }
  return byRole;
}

async function mailboxesByRole(write: AccountWrite): Promise<Map<MailboxRole, string>> {
  const existing: Array<{ id: string; role: MailboxRole }> = await write.manager.query(
    'SELECT id, role FROM mailbox.mailboxes WHERE account_id = $1 AND role IS NOT NULL',
    [write.accountId],
  );
  return new Map(existing.map((row) => [row.role, row.id]));
}

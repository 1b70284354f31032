/** The roles of the mailboxes every account starts with, sorted. */
export const DEFAULT_MAILBOX_ROLES = ['archive', 'drafts', 'inbox', 'junk', 'sent', 'trash'];

/** Each role's mailbox id, from a Mailbox/get answer. */
export function mailboxIdsByRole(mailboxGet: Record<string, unknown>): Record<string, string> {
  const mailboxes = mailboxGet['list'] as Array<{ id: string; role: string | null }>;
  return Object.fromEntries(
    mailboxes.flatMap((mailbox) => (mailbox.role === null ? [] : [[mailbox.role, mailbox.id]])),
  );
}

import type { MailboxRole } from '../../store/entities/mailbox.entity.js';

/** The mailboxes every account has, created with its first stored mail. */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ role: MailboxRole; name: string; sortOrder: number }> = [
  { role: 'inbox', name: 'Inbox', sortOrder: 1 },
  { role: 'archive', name: 'Archive', sortOrder: 2 },
  { role: 'drafts', name: 'Drafts', sortOrder: 3 },
  { role: 'sent', name: 'Sent', sortOrder: 4 },
  { role: 'junk', name: 'Junk', sortOrder: 5 },
  { role: 'trash', name: 'Trash', sortOrder: 6 },
];

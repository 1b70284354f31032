/** The fields of an email that a mailbox's counts depend on. */
export interface CountedEmail {
  mailboxIds: Readonly<Record<string, boolean>>;
  keywords: Readonly<Record<string, boolean>>;
}

/** RFC 8621 §2: unread means neither `$seen` nor `$draft`. */
export function isUnread(keywords: Readonly<Record<string, boolean>>): boolean {
  return keywords['$seen'] !== true && keywords['$draft'] !== true;
}

/**
 * The mailboxes whose counts (totalEmails, unreadEmails, totalThreads, unreadThreads) a change of one
 * email can move, and so whose Mailbox state must change: those it joined or left, and all of its
 * mailboxes when it became read or unread. `null` is an email that does not exist (before a create,
 * after a destroy).
 */
export function mailboxesAffected(before: CountedEmail | null, after: CountedEmail | null): string[] {
  const was = new Set(before ? Object.keys(before.mailboxIds).filter((id) => before.mailboxIds[id]) : []);
  const is = new Set(after ? Object.keys(after.mailboxIds).filter((id) => after.mailboxIds[id]) : []);
  const affected = new Set<string>();
  for (const id of was) if (!is.has(id)) affected.add(id);
  for (const id of is) if (!was.has(id)) affected.add(id);
  if (before && after && isUnread(before.keywords) !== isUnread(after.keywords)) {
    for (const id of [...was, ...is]) affected.add(id);
  }
  return [...affected].sort();
}

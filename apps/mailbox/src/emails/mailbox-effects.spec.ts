import { describe, expect, it } from 'vitest';
import { isUnread, mailboxesAffected } from './mailbox-effects.js';

describe(isUnread.name, () => {
  it('counts neither seen nor draft emails as unread', () => {
    expect(isUnread({})).toBe(true);
    expect(isUnread({ $flagged: true })).toBe(true);
    expect(isUnread({ $seen: true })).toBe(false);
    expect(isUnread({ $draft: true })).toBe(false);
  });
});

describe(mailboxesAffected.name, () => {
  const inInbox = { mailboxIds: { inbox: true }, keywords: {} };

  it('moves the counts of every mailbox of a created or destroyed email', () => {
    expect(mailboxesAffected(null, { mailboxIds: { a: true, b: true }, keywords: {} })).toEqual(['a', 'b']);
    expect(mailboxesAffected({ mailboxIds: { a: true }, keywords: { $seen: true } }, null)).toEqual(['a']);
  });

  it('moves the counts of the mailboxes an email left and joined, not those it stayed in', () => {
    expect(
      mailboxesAffected(
        { mailboxIds: { inbox: true, work: true }, keywords: {} },
        { mailboxIds: { work: true, archive: true }, keywords: {} },
      ),
    ).toEqual(['archive', 'inbox']);
  });

  it('moves the unread counts of all its mailboxes when an email is read or unread again', () => {
    const both = { mailboxIds: { inbox: true, work: true }, keywords: {} };
    expect(mailboxesAffected(both, { ...both, keywords: { $seen: true } })).toEqual(['inbox', 'work']);
    expect(
      mailboxesAffected({ ...both, keywords: { $seen: true } }, { ...both, keywords: { $draft: true } }),
    ).toEqual([]);
  });

  it('leaves every count alone for a flag that is not about reading', () => {
    expect(mailboxesAffected(inInbox, { ...inInbox, keywords: { $flagged: true } })).toEqual([]);
  });
});

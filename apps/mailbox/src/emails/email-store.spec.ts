import { describe, expect, it } from 'vitest';
import { newEmail } from './email.js';
import { INSERT_EMAIL, insertEmailValues } from './email-store.js';

const stored = { id: 'Mabcdefghijklmnopqrst', newThread: 'Tabcdefghijklmnopqrst', accountId: 'a', modseq: 7 };

const bare = newEmail(
  {
    subject: null,
    from: null,
    sender: null,
    to: null,
    cc: null,
    bcc: null,
    replyTo: null,
    messageId: null,
    inReplyTo: null,
    references: null,
    sentAt: null,
    textBody: null,
    htmlBody: null,
    preview: '',
    hasAttachment: false,
    attachments: [],
    parseError: 'unreadable',
  },
  { deliveryId: 'd1', blobId: 'B1', size: 10, receivedAt: new Date(0), mailboxIds: {}, keywords: {} },
);

const full = {
  ...bare,
  subject: 'Re: plans',
  from: [{ name: 'Ada', email: 'ada@example.org' }],
  to: [{ name: null, email: 'bob@example.net' }],
  messageId: 'm2@example.org',
  inReplyTo: ['m1@example.org'],
  references: ['m0@example.org', 'm1@example.org'],
  sentAt: new Date(1000),
  textBody: 'hello',
  mailboxIds: { Finbox00001: true },
  keywords: { $seen: true },
};

describe(insertEmailValues.name, () => {
  it('writes the JSON columns as JSON text and the sort keys from the fields', () => {
    const values = insertEmailValues(full, stored);
    expect(values.from).toBe(JSON.stringify(full.from));
    expect(values.mailbox_ids).toBe(JSON.stringify({ Finbox00001: true }));
    expect(values.sender).toBeNull();
    expect(values.sort_subject).toBe('plans');
    expect(values.referenced).toEqual(['m1@example.org', 'm0@example.org', 'm1@example.org']);
  });

  it('does not store the parse error', () => {
    expect(bare).not.toHaveProperty('parseError');
    expect(insertEmailValues(bare, stored)).not.toHaveProperty('parseError');
  });
});

describe(INSERT_EMAIL.name, () => {
  it('is one statement, compiled once, that stores a delivery at most once', () => {
    expect(INSERT_EMAIL.text).toMatch(/^insert into "mailbox"\."emails" /);
    expect(INSERT_EMAIL.text).toContain('on conflict ("account_id", "delivery_id") do nothing');
    expect(INSERT_EMAIL.text).toContain('limit 1');
  });
});

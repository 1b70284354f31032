import { describe, expect, it } from 'vitest';
import { newEmail } from './email.js';
import { insertEmailQuery } from './email-store.js';

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

describe(insertEmailQuery.name, () => {
  it('has one text for every email, as its prepared statement needs', () => {
    expect(insertEmailQuery(full, stored).compile().sql).toBe(insertEmailQuery(bare, stored).compile().sql);
  });

  it('writes the JSON columns as JSON text and the sort keys from the fields', () => {
    const { sql, parameters } = insertEmailQuery(full, stored).compile();
    expect(sql).toContain('on conflict ("account_id", "delivery_id") do nothing');
    expect(parameters).toContain(JSON.stringify(full.from));
    expect(parameters).toContain(JSON.stringify({ Finbox00001: true }));
    expect(parameters).toContainEqual(['m1@example.org', 'm0@example.org', 'm1@example.org']);
    expect(parameters).toContain('plans');
  });

  it('does not store the parse error', () => {
    expect(bare).not.toHaveProperty('parseError');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileString, isStorable } from '../testing/hostile-strings.js';
import { partOfType } from '../mime/body-structure.js';
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
  {
    deliveryId: 'd1',
    blobId: 'B1',
    size: 10,
    receivedAt: new Date(0),
    mailboxIds: {},
    keywords: {},
    body: { structure: { ...partOfType('text/plain'), partId: 'p1', size: 0, subParts: null }, values: {} },
  },
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

  it('makes every string that reaches a column storable, whatever the message said', () => {
    const address = fc.record({ name: fc.option(hostileString), email: hostileString });
    const addresses = fc.option(fc.array(address, { maxLength: 3 }));
    const hostileEmail = fc.record({
      subject: fc.option(hostileString),
      from: addresses,
      sender: addresses,
      to: addresses,
      cc: addresses,
      bcc: addresses,
      replyTo: addresses,
      messageId: fc.option(hostileString),
      inReplyTo: fc.option(fc.array(hostileString, { maxLength: 3 })),
      references: fc.option(fc.array(hostileString, { maxLength: 3 })),
      textBody: fc.option(hostileString),
      htmlBody: fc.option(hostileString),
      preview: hostileString,
      // A sort key is cut at 256 code units, which may split a surrogate pair.
      longSubject: fc.nat({ max: 300 }).map((length) => 'a'.repeat(length) + '😀'.repeat(4)),
      attachments: fc.array(
        fc.record({
          name: fc.option(hostileString),
          type: hostileString,
          disposition: fc.option(hostileString),
          cid: fc.option(hostileString),
        }),
        { maxLength: 2 },
      ),
      keyword: hostileString,
    });
    const strings = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : Array.isArray(value)
          ? value.flatMap(strings)
          : value !== null && typeof value === 'object' && !(value instanceof Date)
            ? Object.entries(value).flatMap(([key, entry]) => [key, ...strings(entry)])
            : [];
    fc.assert(
      fc.property(hostileEmail, fc.boolean(), (fields, longSubject) => {
        const email = {
          ...full,
          ...fields,
          subject: longSubject ? fields.longSubject : fields.subject,
          attachments: fields.attachments.map((attachment, index) => ({
            ...attachment,
            partId: String(3 + index),
            size: 1,
          })),
          keywords: { [fields.keyword]: true },
        };
        const values = insertEmailValues(email, stored);
        for (const [column, value] of Object.entries(values)) {
          const found =
            (typeof value === 'string' && value.startsWith('[')) ||
            (typeof value === 'string' && value.startsWith('{'))
              ? strings(JSON.parse(value))
              : strings(value);
          for (const text of found) expect(isStorable(text), `${column}: ${JSON.stringify(text)}`).toBe(true);
          if (typeof value === 'string') expect(value).not.toMatch(/\\u(?:d[89a-f][0-9a-f]{2}|0000)/i);
        }
      }),
    );
  });

  it('does not store the parse error', () => {
    expect(bare).not.toHaveProperty('parseError');
    expect(insertEmailValues(bare, stored)).not.toHaveProperty('parseError');
  });
});

describe(INSERT_EMAIL.name, () => {
  it('is one statement, compiled once, that stores a delivery at most once', () => {
    expect(INSERT_EMAIL.text).toMatch(/^with "email" as \(insert into "mailbox"\."emails" /);
    expect(INSERT_EMAIL.text).toContain('on conflict ("account_id", "delivery_id") do nothing');
  });

  it('writes the Message-IDs of the email it stores, and only of that one', () => {
    expect(INSERT_EMAIL.text).toMatch(
      /"named_ids" as \(insert into "mailbox"\."thread_message_ids" .* from "email", /s,
    );
  });

  it('finds the thread by the Message-IDs, without a LIMIT a generic plan could walk the account for', () => {
    expect(INSERT_EMAIL.text).toContain('from "mailbox"."thread_message_ids" as "known"');
    expect(INSERT_EMAIL.text).not.toMatch(/limit/i);
  });
});

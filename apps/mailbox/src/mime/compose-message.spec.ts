import { describe, expect, it } from 'vitest';
import { composeMessage, type Draft, encodeWords, formatAddress, rfc5322Date } from './compose-message.js';
import { parseMessage } from './parse-message.js';

const draft = (overrides: Partial<Draft>): Draft => ({
  from: [{ name: 'Ada Lovelace', email: 'ada@example.org' }],
  sender: null,
  to: [{ name: null, email: 'bob@example.com' }],
  cc: null,
  bcc: null,
  replyTo: null,
  subject: 'Plans',
  sentAt: new Date('2026-03-03T09:15:00Z'),
  messageId: null,
  inReplyTo: null,
  references: null,
  textBody: 'Hello Bob',
  htmlBody: null,
  attachments: [],
  ...overrides,
});

describe(composeMessage.name, () => {
  it('builds a message that reads back with the same fields', async () => {
    const raw = composeMessage(
      draft({
        subject: 'Café ☕ plans for the whole week with everyone in the team, and then some more words',
        to: [
          { name: 'Zoë Müller', email: 'zoe@example.com' },
          { name: 'Bob "B" Jones', email: 'bob@example.com' },
        ],
        bcc: [{ name: null, email: 'hidden@example.net' }],
        messageId: 'draft-1@example.org',
        inReplyTo: ['parent@example.org'],
        references: ['root@example.org', 'parent@example.org'],
        textBody: 'Grüße\nline two',
        htmlBody: '<p>Grüße</p>',
        attachments: [
          {
            data: Buffer.from('%PDF-1'),
            type: 'application/pdf',
            name: 'plan é.pdf',
            disposition: 'attachment',
            cid: null,
          },
        ],
      }),
    );
    const parsed = await parseMessage(raw);

    expect(parsed.parseError).toBeNull();
    expect(parsed.subject).toBe(
      'Café ☕ plans for the whole week with everyone in the team, and then some more words',
    );
    expect(parsed.to).toEqual([
      { name: 'Zoë Müller', email: 'zoe@example.com' },
      { name: 'Bob "B" Jones', email: 'bob@example.com' },
    ]);
    expect(parsed.bcc).toEqual([{ name: null, email: 'hidden@example.net' }]);
    expect(parsed.messageId).toBe('draft-1@example.org');
    expect(parsed.inReplyTo).toEqual(['parent@example.org']);
    expect(parsed.references).toEqual(['root@example.org', 'parent@example.org']);
    expect(parsed.sentAt).toEqual(new Date('2026-03-03T09:15:00Z'));
    expect(parsed.textBody).toContain('Grüße\nline two');
    expect(parsed.htmlBody).toContain('<p>Grüße</p>');
    expect(parsed.attachments).toMatchObject([{ type: 'application/pdf', name: 'plan é.pdf', size: 6 }]);
    for (const line of raw.toString('utf8').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  it('makes up a Message-ID on the sender domain when the draft has none', async () => {
    const parsed = await parseMessage(composeMessage(draft({})));
    expect(parsed.messageId).toMatch(/^[0-9a-f]{24}@example\.org$/);
    expect(parsed.textBody?.trim()).toBe('Hello Bob');
  });
});

describe(encodeWords.name, () => {
  it('leaves ASCII alone and splits encoded words without breaking characters', () => {
    expect(encodeWords('plain')).toBe('plain');
    const encoded = encodeWords('ü'.repeat(40));
    for (const word of encoded.split('\r\n ')) expect(word.length).toBeLessThanOrEqual(75);
  });
});

describe(formatAddress.name, () => {
  it('quotes names with specials', () => {
    expect(formatAddress({ name: 'Ada', email: 'a@x.org' })).toBe('Ada <a@x.org>');
    expect(formatAddress({ name: 'Doe, Jane', email: 'j@x.org' })).toBe('"Doe, Jane" <j@x.org>');
    expect(formatAddress({ name: null, email: 'j@x.org' })).toBe('j@x.org');
  });
});

describe(rfc5322Date.name, () => {
  it('writes the date in UTC', () => {
    expect(rfc5322Date(new Date('2026-03-03T09:05:07Z'))).toBe('Tue, 03 Mar 2026 09:05:07 +0000');
  });
});

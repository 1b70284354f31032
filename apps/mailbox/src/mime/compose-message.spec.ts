import { describe, expect, it } from 'vitest';
import { composeMessage, type Draft } from './compose-message.js';
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
    const raw = await composeMessage(
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
    const parsed = await parseMessage(await composeMessage(draft({})));
    expect(parsed.messageId).toMatch(/^[0-9a-f]{24}@example\.org$/);
    expect(parsed.textBody?.trim()).toBe('Hello Bob');
  });
});

/** The header section of a message, folded lines joined. */
const headerOf = (raw: Buffer) =>
  raw
    .toString('utf8')
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]/g, ' ');

describe('the composed headers', () => {
  it('leave ASCII alone and split encoded words without breaking characters', async () => {
    expect(headerOf(await composeMessage(draft({ subject: 'plain' })))).toMatch(/^Subject: plain$/m);
    const raw = await composeMessage(draft({ subject: 'ü'.repeat(40) }));
    const subject = /^Subject: (.*)$/m.exec(headerOf(raw))![1]!;
    for (const word of subject.split(' ')) {
      expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
      expect(word.length).toBeLessThanOrEqual(75);
      const decoded = Buffer.from(word.slice('=?UTF-8?B?'.length, -2), 'base64').toString('utf8');
      expect(decoded).toMatch(/^ü+$/);
    }
    expect((await parseMessage(raw)).subject).toBe('ü'.repeat(40));
  });

  it('quote names with specials', async () => {
    const header = headerOf(
      await composeMessage(
        draft({
          to: [
            { name: 'Ada', email: 'a@x.org' },
            { name: 'Doe, Jane', email: 'j@x.org' },
          ],
          cc: [{ name: null, email: 'k@x.org' }],
        }),
      ),
    );
    expect(header).toMatch(/^To: Ada <a@x\.org>, "Doe, Jane" <j@x\.org>$/m);
    expect(header).toMatch(/^Cc: k@x\.org$/m);
  });

  it('write the date in UTC', async () => {
    const raw = await composeMessage(draft({ sentAt: new Date('2026-03-03T09:05:07Z') }));
    expect(headerOf(raw)).toMatch(/^Date: Tue, 03 Mar 2026 09:05:07 \+0000$/m);
  });

  it('keep the Bcc of a draft and end every line with CRLF', async () => {
    const raw = await composeMessage(
      draft({ bcc: [{ name: null, email: 'hidden@example.net' }], textBody: 'one\ntwo\r\nthree' }),
    );
    expect(headerOf(raw)).toMatch(/^Bcc: hidden@example\.net$/m);
    expect(raw.toString('utf8')).not.toMatch(/[^\r]\n/);
    expect((await parseMessage(raw)).textBody).toContain('one\ntwo\nthree');
  });

  it('give a draft without a body an empty text/plain part', async () => {
    const raw = await composeMessage(draft({ textBody: null, htmlBody: null }));
    expect(headerOf(raw)).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect((await parseMessage(raw)).parseError).toBeNull();
  });
});

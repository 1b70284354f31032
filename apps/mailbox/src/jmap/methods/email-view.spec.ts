import { describe, expect, it } from 'vitest';
import type { Email } from '../../emails/email.js';
import { type EmailBody, readEmailBody, storedBody, storedEmailBody } from '../../mime/email-body.js';
import { mimeEntity } from '../../testing/mail-fixtures.js';
import {
  DEFAULT_BODY_PART_PROPERTIES,
  DEFAULT_EMAIL_PROPERTIES,
  emailView,
  type EmailViewOptions,
  needsMessage,
  utcDate,
} from './email-view.js';

const blobId = `B${'a'.repeat(64)}`;

const email: Email = {
  id: 'Mabcdefghijklmnopqrst',
  blobId,
  threadId: 'Tabcdefghijklmnopqrst',
  mailboxIds: { Finbox00001: true },
  keywords: {},
  size: 1234,
  receivedAt: new Date('2026-03-03T09:15:00.000Z'),
  subject: 'Café plans',
  from: [{ name: 'Ada', email: 'ada@example.org' }],
  sender: null,
  to: [{ name: null, email: 'bob@example.net' }],
  cc: null,
  bcc: null,
  replyTo: null,
  messageId: 'm1@example.org',
  inReplyTo: null,
  references: null,
  sentAt: new Date('2026-03-03T09:14:59.500Z'),
  preview: 'Hello Bob',
  textBody: 'Hello Bob, café?',
  htmlBody: '<p>Hello Bob, café?</p>',
  hasAttachment: true,
  attachments: [
    { partId: '3', type: 'application/pdf', name: 'a.pdf', size: 9, disposition: 'attachment', cid: null },
  ],
};

const options = (overrides: Partial<EmailViewOptions> = {}): EmailViewOptions => ({
  properties: DEFAULT_EMAIL_PROPERTIES,
  headerProperties: [],
  bodyProperties: DEFAULT_BODY_PART_PROPERTIES,
  bodyHeaderProperties: [],
  fetchTextBodyValues: false,
  fetchHTMLBodyValues: false,
  fetchAllBodyValues: false,
  maxBodyValueBytes: 0,
  ...overrides,
});

/** The message `email` was read from: text and HTML alternatives, then a PDF. */
const message = Buffer.from(
  mimeEntity(
    'multipart/mixed',
    [
      mimeEntity('multipart/alternative', [
        mimeEntity('text/plain; charset=utf-8', 'Hello Bob, caf=C3=A9?', [
          'Content-Transfer-Encoding: quoted-printable',
        ]),
        mimeEntity('text/html; charset=utf-8', '<p>Hello Bob, café?</p>'),
      ]),
      mimeEntity('application/pdf; name="a.pdf"', 'JVBERi0xLjQK', [
        'Content-Disposition: attachment; filename="a.pdf"',
        'Content-Transfer-Encoding: base64',
      ]),
    ],
    ['From: Ada <ada@example.org>', 'Subject: =?utf-8?q?Caf=C3=A9_plans?='],
  ),
);
const raw = (bytes: Buffer = message): EmailBody => readEmailBody(bytes);
/** The parts the store keeps of the message, read back as a row gives them. */
const stored = (bytes: Buffer = message): EmailBody => {
  const { structure, values } = JSON.parse(JSON.stringify(storedBody(bytes))) as ReturnType<
    typeof storedBody
  >;
  return storedEmailBody(structure, values);
};

describe(emailView.name, () => {
  it('returns every default property, with no body values unless asked', () => {
    const view = emailView(email, options(), raw());

    expect(Object.keys(view).sort()).toEqual([...DEFAULT_EMAIL_PROPERTIES].sort());
    expect(view).toMatchObject({
      id: email.id,
      blobId,
      threadId: email.threadId,
      receivedAt: '2026-03-03T09:15:00Z',
      sentAt: '2026-03-03T09:14:59.500Z',
      messageId: ['m1@example.org'],
      sender: null,
      bcc: null,
      bodyValues: {},
    });
    expect(view['textBody']).toEqual([
      {
        partId: 'p1',
        blobId: `${blobId}_p1`,
        size: Buffer.byteLength('Hello Bob, café?'),
        name: null,
        type: 'text/plain',
        charset: 'utf-8',
        disposition: null,
        cid: null,
        language: null,
        location: null,
      },
    ]);
    expect((view['htmlBody'] as Array<{ partId: string; type: string }>)[0]).toMatchObject({
      partId: 'p2',
      type: 'text/html',
    });
    expect(view['attachments']).toMatchObject([{ partId: 'p3', name: 'a.pdf', type: 'application/pdf' }]);
  });

  it('names each part by the same id in the body lists and in bodyStructure', () => {
    const view = emailView(
      email,
      options({ properties: ['bodyStructure', 'textBody', 'htmlBody', 'attachments'] }),
      raw(),
    );
    const leaves: Array<{ partId: string; blobId: string }> = [];
    const walk = (part: { partId: string | null; blobId: string; subParts?: unknown[] }) => {
      if (part.partId !== null) leaves.push({ partId: part.partId, blobId: part.blobId });
      for (const child of part.subParts ?? []) walk(child as typeof part);
    };
    walk(view['bodyStructure'] as Parameters<typeof walk>[0]);
    const listed = ['textBody', 'htmlBody', 'attachments'].flatMap(
      (list) => view[list] as Array<{ partId: string; blobId: string }>,
    );
    expect(listed.map(({ partId, blobId: id }) => ({ partId, blobId: id }))).toEqual(leaves);
  });

  it('returns only the requested properties, and always the id', () => {
    const view = emailView(
      email,
      options({ properties: ['subject', 'textBody'], bodyProperties: ['partId', 'type'] }),
      raw(),
    );

    expect(view).toEqual({
      id: email.id,
      subject: 'Café plans',
      textBody: [{ partId: 'p1', type: 'text/plain' }],
    });
  });

  it('fetches the text, the HTML or all body values as asked', () => {
    const text = emailView(email, options({ properties: ['bodyValues'], fetchTextBodyValues: true }), raw());
    const html = emailView(email, options({ properties: ['bodyValues'], fetchHTMLBodyValues: true }), raw());
    const all = emailView(email, options({ properties: ['bodyValues'], fetchAllBodyValues: true }), raw());

    expect(Object.keys(text['bodyValues'] as object)).toEqual(['p1']);
    expect(Object.keys(html['bodyValues'] as object)).toEqual(['p2']);
    expect(all['bodyValues']).toEqual({
      p1: { value: 'Hello Bob, café?', isEncodingProblem: false, isTruncated: false },
      p2: { value: '<p>Hello Bob, café?</p>', isEncodingProblem: false, isTruncated: false },
    });
  });

  it('truncates body values to maxBodyValueBytes and says so', () => {
    const view = emailView(
      email,
      options({ properties: ['bodyValues'], fetchTextBodyValues: true, maxBodyValueBytes: 15 }),
      raw(),
    );

    // "Hello Bob, caf" is 14 bytes; the two-byte "é" would cross the limit.
    expect(view['bodyValues']).toEqual({
      p1: { value: 'Hello Bob, caf', isEncodingProblem: false, isTruncated: true },
    });
  });

  it('lets the HTML part stand in for a missing text part', () => {
    const htmlOnly = Buffer.from('Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi</p>\r\n');
    const view = emailView(
      { ...email, textBody: null },
      options({ properties: ['textBody', 'bodyValues'], fetchTextBodyValues: true }),
      raw(htmlOnly),
    );

    expect(view['textBody']).toMatchObject([{ partId: 'p1', type: 'text/html' }]);
    expect(Object.keys(view['bodyValues'] as object)).toEqual(['p1']);
  });

  it('answers body values as the store keeps text: no NUL, no lone surrogate', () => {
    const bytes = Buffer.concat([
      Buffer.from('Content-Type: text/plain; charset=utf-16be\r\n\r\n'),
      Buffer.from([0x00, 0x61, 0x00, 0x00, 0xd8, 0x00, 0x00, 0x62]),
    ]);
    const view = emailView(
      email,
      options({ properties: ['bodyValues'], fetchTextBodyValues: true }),
      raw(bytes),
    );
    expect((view['bodyValues'] as Record<string, { value: string }>)['p1']!.value).toBe('a\ufffdb');
  });
});

describe(needsMessage.name, () => {
  it('serves the default properties and the text and HTML values from the stored parts', () => {
    for (const fetch of [
      {},
      { fetchTextBodyValues: true },
      { fetchHTMLBodyValues: true, maxBodyValueBytes: 5 },
      { fetchTextBodyValues: true, fetchHTMLBodyValues: true },
    ]) {
      const asked = options({ properties: [...DEFAULT_EMAIL_PROPERTIES, 'bodyStructure'], ...fetch });
      expect(needsMessage(asked, stored())).toBe(false);
      expect(emailView(email, asked, stored())).toEqual(emailView(email, asked, raw()));
    }
  });

  it('reads the message for header fields and for the text of parts the store did not keep', () => {
    const attachedText = Buffer.from(
      mimeEntity('multipart/mixed', [
        mimeEntity('text/plain', 'the body'),
        mimeEntity('text/csv; name="a.csv"', 'a,b', ['Content-Disposition: attachment; filename="a.csv"']),
      ]),
    );
    expect(needsMessage(options({ properties: ['headers'] }), stored())).toBe(true);
    expect(needsMessage(options({ bodyProperties: ['partId', 'headers'] }), stored())).toBe(true);
    expect(needsMessage(options({ properties: ['bodyValues'], fetchAllBodyValues: true }), stored())).toBe(
      false,
    );
    const all = options({ properties: ['bodyValues'], fetchAllBodyValues: true });
    expect(needsMessage(all, stored(attachedText))).toBe(true);
    expect(emailView(email, all, raw(attachedText))['bodyValues']).toEqual({
      p1: { value: 'the body', isEncodingProblem: false, isTruncated: false },
      p2: { value: 'a,b', isEncodingProblem: false, isTruncated: false },
    });
  });

  it('reads a NUL from the message: the store keeps no value it could not hold as it is', () => {
    const bytes = Buffer.from('Content-Type: text/plain\r\n\r\na\u0000b');
    const asked = options({ properties: ['bodyValues'], fetchTextBodyValues: true, maxBodyValueBytes: 2 });
    expect(needsMessage(asked, stored(bytes))).toBe(true);
  });
});

describe(utcDate.name, () => {
  it('drops a zero fraction of a second', () => {
    expect(utcDate(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05Z');
  });
});

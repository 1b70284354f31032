import { describe, expect, it } from 'vitest';
import { mimeEntity } from '../testing/mail-fixtures.js';
import { expectSameAsReference } from '../testing/reference-property.js';
import { messageIdsOf, parseMessage, previewOf } from './parse-message.js';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

/** Parses a message of these header fields whose content is `entity` (see mimeEntity). */
const parseEntity = (headers: string[], entity: string) => parseMessage(crlf([...headers, entity]));

describe(parseMessage.name, () => {
  it('reads the header fields and the text of a plain message', async () => {
    const parsed = await parseMessage(
      crlf([
        'From: "Ada Lovelace" <ada@example.org>',
        'To: bob@example.net, Carol <carol@example.net>',
        'Cc: dave@example.net',
        'Reply-To: replies@example.org',
        'Subject: =?utf-8?Q?Caf=C3=A9?= plans',
        'Date: Tue, 3 Mar 2026 10:15:00 +0100',
        'Message-ID: <m1@example.org>',
        'In-Reply-To: <m0@example.org>',
        'References: <root@example.org> <m0@example.org>',
        '',
        'Hello Bob,',
        '',
        'see you   at the café.',
        '',
      ]),
    );

    expect(parsed).toMatchObject({
      subject: 'Café plans',
      from: [{ name: 'Ada Lovelace', email: 'ada@example.org' }],
      to: [
        { name: null, email: 'bob@example.net' },
        { name: 'Carol', email: 'carol@example.net' },
      ],
      cc: [{ name: null, email: 'dave@example.net' }],
      replyTo: [{ name: null, email: 'replies@example.org' }],
      messageId: 'm1@example.org',
      inReplyTo: ['m0@example.org'],
      references: ['root@example.org', 'm0@example.org'],
      htmlBody: null,
      hasAttachment: false,
      attachments: [],
      parseError: null,
    });
    expect(parsed.sentAt?.toISOString()).toBe('2026-03-03T09:15:00.000Z');
    expect(parsed.textBody).toContain('see you   at the café.');
    expect(parsed.preview).toBe('Hello Bob, see you at the café.');
  });

  it.each([
    {
      title: 'keeps both alternatives of a multipart/alternative message',
      headers: ['From: ada@example.org', 'Subject: both'],
      entity: mimeEntity('multipart/alternative', [
        mimeEntity('text/plain; charset=utf-8', 'Plain words'),
        mimeEntity('text/html; charset=utf-8', '<p>Rich <b>words</b></p>'),
      ]),
      expected: {
        textBody: 'Plain words',
        htmlBody: '<p>Rich <b>words</b></p>',
        preview: 'Plain words',
        hasAttachment: false,
      },
    },
    {
      title: 'has no text body for an HTML-only message but still a preview',
      headers: ['From: ada@example.org'],
      entity: mimeEntity('text/html', '<style>p{}</style><p>Only &amp; HTML</p>\r\n'),
      expected: {
        textBody: null,
        htmlBody: '<style>p{}</style><p>Only &amp; HTML</p>\n',
        preview: 'Only & HTML',
      },
    },
    {
      title: 'lists an attachment and flags the message as having one',
      headers: ['From: ada@example.org', 'Subject: report'],
      entity: mimeEntity('multipart/mixed', [
        mimeEntity('text/plain', 'See attached.'),
        mimeEntity('application/pdf; name="report.pdf"', 'JVBERi0xLjQK', [
          'Content-Disposition: attachment; filename="report.pdf"',
          'Content-Transfer-Encoding: base64',
        ]),
      ]),
      expected: {
        textBody: 'See attached.',
        hasAttachment: true,
        attachments: [
          {
            partId: '3',
            type: 'application/pdf',
            name: 'report.pdf',
            size: 9,
            disposition: 'attachment',
            cid: null,
          },
        ],
      },
    },
  ])('$title', async ({ headers, entity, expected }) => {
    expect(await parseEntity(headers, entity)).toMatchObject(expected);
  });

  it('falls back to the header block when the MIME structure cannot be parsed', async () => {
    const parts = Array.from({ length: 1100 }, (_, index) => mimeEntity('text/plain', `part ${index}`));
    const parsed = await parseEntity(
      [
        'From: Mallory <mallory@example.org>',
        'Subject: too many parts',
        'Message-ID: <bomb@example.org>',
        'Date: not a date',
      ],
      mimeEntity('multipart/mixed', parts),
    );

    expect(parsed.parseError).toMatch(/child nodes/);
    expect(parsed).toMatchObject({
      subject: 'too many parts',
      from: [{ name: 'Mallory', email: 'mallory@example.org' }],
      messageId: 'bomb@example.org',
      sentAt: null,
      textBody: null,
      htmlBody: null,
      preview: '',
      attachments: [],
    });
  });

  it('reads names and filenames as their words decode, a lone surrogate or a NUL included', async () => {
    const parsed = await parseEntity(
      ['From: =?UTF-16BE?B?2AA=?= <ada@example.org>', 'Subject: a\u0000b'],
      mimeEntity('multipart/mixed', [
        mimeEntity('text/plain', 'body\u0000 text'),
        mimeEntity('application/octet-stream', 'data', [
          'Content-Disposition: attachment; filename="=?UTF-16BE?B?3AA=?="',
        ]),
      ]),
    );

    // What a row may hold is the store's to decide (emailInsert), not the parser's.
    expect(parsed.from).toEqual([{ name: '\ud800', email: 'ada@example.org' }]);
    expect(parsed.subject).toBe('a\u0000b');
    expect(parsed.textBody?.trim()).toBe('body\u0000 text');
    expect(parsed.attachments[0]?.name).toBe('\udc00');
  });

  it('reads a message that has no header block at all', async () => {
    const parsed = await parseMessage(Buffer.from('\r\nonly a body\r\n'));

    expect(parsed.subject).toBeNull();
    expect(parsed.from).toBeNull();
    expect(parsed.textBody?.trim()).toBe('only a body');
  });
});

describe(messageIdsOf.name, () => {
  it('strips angle brackets and keeps every id of a header', () => {
    expect(messageIdsOf('<a@x> <b@y>')).toEqual(['a@x', 'b@y']);
    expect(messageIdsOf(['<a@x>', '<b@y>'])).toEqual(['a@x', 'b@y']);
    expect(messageIdsOf('bare@id')).toEqual(['bare@id']);
    expect(messageIdsOf(undefined)).toEqual([]);
  });
});

describe(previewOf.name, () => {
  it('cuts the preview at 256 characters without splitting a character', () => {
    const preview = previewOf('😀'.repeat(300), null);
    expect(Array.from(preview)).toHaveLength(256);
    expect(preview.endsWith('😀')).toBe(true);
  });

  it('collapses whitespace runs, trims both ends and counts the spaces it keeps', () => {
    expect(previewOf('\n\n  Hello\t\t world \u00a0\u2003 again  \r\n', null)).toBe('Hello world again');
    expect(previewOf(' '.repeat(10_000) + 'late start', null)).toBe('late start');
    expect(Array.from(previewOf('ab '.repeat(200), null))).toHaveLength(256);
    expect(previewOf('ab '.repeat(200), null).endsWith(' ')).toBe(false);
  });

  it('reads HTML as replacing its tags and hidden elements by patterns would, in one pass', () => {
    // The plain way to write it, quadratic on a body of `<`: the reference for short bodies.
    const reference = (html: string): string =>
      html
        .replace(/<(style|script|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<[^>]*>/g, ' ')
        .replace(/&nbsp;/gi, ' ')
        .replace(/&lt;/gi, '<')
        .replace(/&gt;/gi, '>')
        .replace(/&quot;/gi, '"')
        .replace(/&#39;|&apos;/gi, "'")
        .replace(/&amp;/gi, '&');
    const pieces = [
      '<',
      '>',
      '<p>',
      '</p>',
      '<style>',
      '</style>',
      '</STYLE >',
      '<script type=x>',
      '</script>',
      '<head>',
      '</head>',
      '<styles>',
      'text',
      ' ',
      '&amp;',
      '&lt;',
      '&nbsp;',
      '&amp;lt;',
      '&Quot;',
      '&#39;',
      'é',
    ];
    expectSameAsReference(
      pieces,
      (html) => previewOf(null, html),
      (html) => previewOf(reference(html), null),
    );
  });

  it('reads no further than the first 16 K characters of a long body', () => {
    expect(previewOf(' '.repeat(16 * 1024) + 'beyond', null)).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import type { Email } from '../../emails/email.js';
import {
  DEFAULT_BODY_PART_PROPERTIES,
  DEFAULT_EMAIL_PROPERTIES,
  emailView,
  type EmailViewOptions,
  truncateUtf8,
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

describe(emailView.name, () => {
  it('returns every default property, with no body values unless asked', () => {
    const view = emailView(email, options());

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
        partId: '1',
        blobId: `${blobId}_1`,
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
      partId: '2',
      type: 'text/html',
    });
    expect((view['attachments'] as Array<{ partId: string; name: string }>)[0]).toMatchObject({
      partId: '3',
      name: 'a.pdf',
    });
  });

  it('returns only the requested properties, and always the id', () => {
    const view = emailView(
      email,
      options({ properties: ['subject', 'textBody'], bodyProperties: ['partId', 'type'] }),
    );

    expect(view).toEqual({
      id: email.id,
      subject: 'Café plans',
      textBody: [{ partId: '1', type: 'text/plain' }],
    });
  });

  it('fetches the text, the HTML or all body values as asked', () => {
    const text = emailView(email, options({ properties: ['bodyValues'], fetchTextBodyValues: true }));
    const html = emailView(email, options({ properties: ['bodyValues'], fetchHTMLBodyValues: true }));
    const all = emailView(email, options({ properties: ['bodyValues'], fetchAllBodyValues: true }));

    expect(Object.keys(text['bodyValues'] as object)).toEqual(['1']);
    expect(Object.keys(html['bodyValues'] as object)).toEqual(['2']);
    expect(all['bodyValues']).toEqual({
      '1': { value: 'Hello Bob, café?', isEncodingProblem: false, isTruncated: false },
      '2': { value: '<p>Hello Bob, café?</p>', isEncodingProblem: false, isTruncated: false },
    });
  });

  it('truncates body values to maxBodyValueBytes and says so', () => {
    const view = emailView(
      email,
      options({ properties: ['bodyValues'], fetchTextBodyValues: true, maxBodyValueBytes: 15 }),
    );

    // "Hello Bob, caf" is 14 bytes; the two-byte "é" would cross the limit.
    expect(view['bodyValues']).toEqual({
      '1': { value: 'Hello Bob, caf', isEncodingProblem: false, isTruncated: true },
    });
  });

  it('lets the HTML part stand in for a missing text part', () => {
    const view = emailView(
      { ...email, textBody: null },
      options({ properties: ['textBody', 'bodyValues'], fetchTextBodyValues: true }),
    );

    expect(view['textBody']).toMatchObject([{ partId: '2', type: 'text/html' }]);
    expect(Object.keys(view['bodyValues'] as object)).toEqual(['2']);
  });
});

describe(truncateUtf8.name, () => {
  it('keeps a value that fits, and never splits a character', () => {
    expect(truncateUtf8('abc', 3)).toEqual({ value: 'abc', isTruncated: false });
    expect(truncateUtf8('abc', 0)).toEqual({ value: 'abc', isTruncated: false });
    expect(truncateUtf8('a😀b', 4)).toEqual({ value: 'a', isTruncated: true });
    expect(truncateUtf8('a😀b', 5)).toEqual({ value: 'a😀', isTruncated: true });
  });
});

describe(utcDate.name, () => {
  it('drops a zero fraction of a second', () => {
    expect(utcDate(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05Z');
  });
});

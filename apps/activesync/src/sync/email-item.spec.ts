import { describe, expect, it } from 'vitest';
import type { EmailDetail } from '../mailbox/mail-store.js';
import { formatAddresses, htmlToText, parseFileReference, servedBody } from './email-item.js';

const detail: EmailDetail = {
  id: 'M1',
  blobId: 'B1',
  mailboxIds: ['inbox'],
  threadId: 'T1',
  flags: { read: false, flagged: false },
  size: 100,
  receivedAt: '2026-12-05T10:00:00Z',
  subject: 'Hello',
  from: [{ name: 'Bob', email: 'bob@example.com' }],
  to: [{ name: null, email: 'alice@example.com' }],
  cc: [],
  replyTo: [],
  messageId: null,
  preview: 'Hi there',
  text: 'Hi thére, this is the body',
  html: '<p>Hi <b>thére</b></p>',
  attachments: [],
  hasAttachment: false,
};

describe(servedBody.name, () => {
  it('serves plain text, HTML or MIME as preferred, with the full size', () => {
    expect(servedBody(detail, { type: 1, allOrNone: false })).toMatchObject({
      type: 1,
      data: detail.text,
      truncated: false,
    });
    expect(servedBody(detail, { type: 2, allOrNone: false })).toMatchObject({ type: 2, data: detail.html });
    expect(
      servedBody(detail, { type: 4, allOrNone: false }, Buffer.from('Subject: x\r\n\r\nbody')),
    ).toMatchObject({
      type: 4,
      data: 'Subject: x\r\n\r\nbody',
    });
  });

  it('truncates to the byte budget, or sends nothing with AllOrNone', () => {
    const cut = servedBody(detail, { type: 1, truncationSize: 7, allOrNone: false });
    expect(cut).toMatchObject({ truncated: true, estimatedSize: Buffer.byteLength(detail.text!) });
    expect(Buffer.byteLength(cut.data)).toBeLessThanOrEqual(7);
    expect(servedBody(detail, { type: 1, truncationSize: 7, allOrNone: true })).toMatchObject({
      data: '',
      truncated: true,
    });
  });
});

describe(formatAddresses.name, () => {
  it('quotes names and joins with commas', () => {
    expect(
      formatAddresses([
        { name: 'Bob "B"', email: 'b@x.y' },
        { name: null, email: 'c@x.y' },
      ]),
    ).toBe('"Bob B" <b@x.y>, c@x.y');
  });
});

describe(htmlToText.name, () => {
  it('drops tags, scripts and entities', () => {
    expect(htmlToText('<p>a&amp;b</p><script>x()</script><br>c')).toBe('a&b\n\nc');
  });
});

describe(parseFileReference.name, () => {
  it('reads the message and blob, and refuses anything else', () => {
    expect(parseFileReference('M1:B2')).toEqual({ emailId: 'M1', blobId: 'B2' });
    expect(parseFileReference('nocolon')).toBeUndefined();
    expect(parseFileReference(':B')).toBeUndefined();
  });
});

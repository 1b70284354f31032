import { randomBytes, randomUUID } from 'node:crypto';
import type { MailArrivedV1 } from '@pushmail/contracts';

export interface MessageFields {
  subject: string;
  from?: string;
  to?: string;
  messageId?: string;
  inReplyTo?: string;
  /** The References field's ids; the In-Reply-To id alone when not given. */
  references?: string[];
  date?: string;
  body?: string;
}

/** A small RFC 5322 message with CRLF line ends. */
export function rawMessage(fields: MessageFields): string {
  const headers = [
    `From: ${fields.from ?? 'Ada <ada@example.org>'}`,
    `To: ${fields.to ?? 'bob@example.com'}`,
    `Subject: ${fields.subject}`,
    `Date: ${fields.date ?? 'Tue, 03 Mar 2026 10:15:00 +0000'}`,
    `Message-ID: <${fields.messageId ?? `${randomBytes(8).toString('hex')}@example.org`}>`,
    ...(fields.inReplyTo ? [`In-Reply-To: <${fields.inReplyTo}>`] : []),
    ...references(fields),
    'Content-Type: text/plain; charset=utf-8',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${fields.body ?? `Body of ${fields.subject}`}\r\n`;
}

function references(fields: MessageFields): string[] {
  const ids = fields.references ?? (fields.inReplyTo ? [fields.inReplyTo] : []);
  return ids.length > 0 ? [`References: ${ids.map((id) => `<${id}>`).join(' ')}`] : [];
}

/** A valid mail-arrived event for `accountId` carrying `raw`. */
export function mailArrivedEvent(
  accountId: string,
  raw: string,
  overrides: Partial<MailArrivedV1> = {},
): MailArrivedV1 {
  const bytes = Buffer.from(raw, 'utf8');
  return {
    eventId: randomUUID(),
    accountId,
    deliveryId: `d-${randomBytes(12).toString('hex')}`,
    receivedAt: new Date().toISOString(),
    envelope: { mailFrom: 'ada@example.org', rcptTo: 'bob@example.com' },
    smtp: {
      clientAddress: '192.0.2.10',
      heloName: 'mx.example.org',
      sessionId: randomBytes(6).toString('hex'),
    },
    sizeBytes: bytes.length,
    rawBase64: bytes.toString('base64'),
    ...overrides,
  };
}

/**
 * A message whose words decode to what PostgreSQL cannot hold: lone UTF-16 surrogates (RFC 2047
 * `UTF-16BE` words of one half of a pair) in the From and To names, the subject and an attachment's
 * filename, and NULs in a header and the body.
 */
export function unstorableTextMessage(subjectTag: string): string {
  return [
    'From: =?UTF-16BE?B?2AA=?= <ada@example.org>',
    'To: =?UTF-16BE?B?3AA=?= <bob@example.com>, "Nul\u0000Name" <carol@example.com>',
    `Subject: ${subjectTag} =?UTF-16BE?B?2AA=?=`,
    `Message-ID: <${randomBytes(8).toString('hex')}@example.org>`,
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'body with a NUL \u0000 in it',
    '--b',
    'Content-Type: application/octet-stream',
    'Content-Disposition: attachment; filename="=?UTF-16BE?B?2AA=?=.bin"',
    '',
    'data',
    '--b--',
    '',
  ].join('\r\n');
}

/** A MIME entity with CRLF line ends: the header fields, then the body or, for a multipart, its parts. */
export function mimeEntity(type: string, body: string | string[], extra: string[] = []): string {
  if (typeof body === 'string') return [`Content-Type: ${type}`, ...extra, '', body].join('\r\n');
  const boundary = `b${randomBytes(6).toString('hex')}`;
  return [
    `Content-Type: ${type}; boundary="${boundary}"`,
    ...extra,
    '',
    ...body.flatMap((part) => [`--${boundary}`, part]),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

import { randomBytes } from 'node:crypto';
import type { EmailAddressValue } from './parse-message.js';

export interface DraftAttachment {
  data: Buffer;
  type: string;
  name: string | null;
  disposition: 'attachment' | 'inline';
  cid: string | null;
}

/** What an Email/set create gives to build a message from (RFC 8621 §4.6). */
export interface Draft {
  from: EmailAddressValue[] | null;
  sender: EmailAddressValue[] | null;
  to: EmailAddressValue[] | null;
  cc: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
  replyTo: EmailAddressValue[] | null;
  subject: string | null;
  sentAt: Date | null;
  messageId: string | null;
  inReplyTo: string[] | null;
  references: string[] | null;
  textBody: string | null;
  htmlBody: string | null;
  attachments: DraftAttachment[];
}

const CRLF = '\r\n';

/**
 * An RFC 5322 message for a draft: headers encoded per RFC 2047, the text and HTML bodies as
 * multipart/alternative, attachments around them as multipart/mixed, every line within 998 octets.
 */
export function composeMessage(draft: Draft, now: Date = new Date()): Buffer {
  const headers: string[] = [];
  const addressHeader = (name: string, addresses: EmailAddressValue[] | null) => {
    if (addresses && addresses.length > 0)
      headers.push(`${name}: ${addresses.map(formatAddress).join(`,${CRLF} `)}`);
  };
  headers.push(`Date: ${rfc5322Date(draft.sentAt ?? now)}`);
  addressHeader('From', draft.from);
  addressHeader('Sender', draft.sender);
  addressHeader('To', draft.to);
  addressHeader('Cc', draft.cc);
  addressHeader('Bcc', draft.bcc);
  addressHeader('Reply-To', draft.replyTo);
  if (draft.subject !== null) headers.push(`Subject: ${encodeWords(draft.subject)}`);
  const domain = draft.from?.[0]?.email.split('@')[1] ?? 'pushmail.invalid';
  headers.push(`Message-ID: <${draft.messageId ?? `${randomBytes(12).toString('hex')}@${domain}`}>`);
  if (draft.inReplyTo?.length)
    headers.push(`In-Reply-To: ${draft.inReplyTo.map((id) => `<${id}>`).join(' ')}`);
  if (draft.references?.length) {
    headers.push(`References: ${draft.references.map((id) => `<${id}>`).join(`${CRLF} `)}`);
  }
  headers.push('MIME-Version: 1.0');

  const body = bodyEntity(draft);
  const entity =
    draft.attachments.length === 0
      ? body
      : multipart('mixed', [body, ...draft.attachments.map(attachmentEntity)]);
  return Buffer.from(`${headers.join(CRLF)}${CRLF}${entity}`, 'utf8');
}

/** A MIME entity: its header lines, a blank line, its content. */
function entityOf(headers: string[], content: string): string {
  return `${headers.join(CRLF)}${CRLF}${CRLF}${content}`;
}

function bodyEntity(draft: Draft): string {
  const text = draft.textBody === null ? null : textEntity('plain', draft.textBody);
  const html = draft.htmlBody === null ? null : textEntity('html', draft.htmlBody);
  if (text && html) return multipart('alternative', [text, html]);
  return text ?? html ?? textEntity('plain', '');
}

function textEntity(subtype: 'plain' | 'html', content: string): string {
  const normalized = content.replace(/\r?\n/g, CRLF);
  const plain =
    /^[\x20-\x7e\r\n\t]*$/.test(normalized) && normalized.split(CRLF).every((line) => line.length <= 998);
  return entityOf(
    [
      `Content-Type: text/${subtype}; charset=utf-8`,
      `Content-Transfer-Encoding: ${plain ? '7bit' : 'base64'}`,
    ],
    plain
      ? `${normalized}${normalized.endsWith(CRLF) ? '' : CRLF}`
      : base64Lines(Buffer.from(normalized, 'utf8')),
  );
}

function attachmentEntity(attachment: DraftAttachment): string {
  const name = attachment.name === null ? '' : `; ${parameter('filename', attachment.name)}`;
  return entityOf(
    [
      `Content-Type: ${attachment.type}${attachment.name === null ? '' : `; ${parameter('name', attachment.name)}`}`,
      `Content-Disposition: ${attachment.disposition}${name}`,
      ...(attachment.cid ? [`Content-ID: <${attachment.cid}>`] : []),
      'Content-Transfer-Encoding: base64',
    ],
    base64Lines(attachment.data),
  );
}

function multipart(subtype: 'mixed' | 'alternative', parts: string[]): string {
  const boundary = `=_${randomBytes(12).toString('hex')}`;
  return entityOf(
    [`Content-Type: multipart/${subtype}; boundary="${boundary}"`],
    `${parts.map((part) => `--${boundary}${CRLF}${part}`).join(CRLF)}${CRLF}--${boundary}--${CRLF}`,
  );
}

function base64Lines(data: Buffer): string {
  const encoded = data.toString('base64');
  const lines: string[] = [];
  for (let index = 0; index < encoded.length; index += 76) lines.push(encoded.slice(index, index + 76));
  return `${lines.join(CRLF)}${CRLF}`;
}

/** `Name <address>`, the name quoted or encoded as needed. */
export function formatAddress(address: EmailAddressValue): string {
  const email = address.email.replace(/[\r\n<>]/g, '');
  if (!address.name) return email;
  const name = address.name.replace(/[\r\n]/g, ' ');
  if (!/^[\x20-\x7e]*$/.test(name)) return `${encodeWords(name)} <${email}>`;
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(name)
    ? `${name} <${email}>`
    : `"${name.replace(/(["\\])/g, '\\$1')}" <${email}>`;
}

/**
 * RFC 2047 B-encoded words for a header value that is not plain ASCII, each at most 75 characters and
 * never splitting a character.
 */
export function encodeWords(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean) && clean.length <= 900) return clean;
  const words: string[] = [];
  let chunk = '';
  for (const character of clean) {
    if (Buffer.byteLength(chunk + character, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += character;
  }
  if (chunk.length > 0) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

/** A MIME parameter, as RFC 2231 extended notation when the value is not plain ASCII. */
function parameter(name: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)) return `${name}="${value}"`;
  return `${name}*=utf-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function rfc5322Date(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

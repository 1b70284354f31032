import { randomBytes } from 'node:crypto';

/**
 * The MIME a phone sends, adjusted at the byte level without re-encoding anything it wrote: the
 * account's address as `From` when the phone left it out, the reply headers of a SmartReply, and the
 * original message joined to a SmartReply or SmartForward that asked the server to include it.
 */

const CRLF = '\r\n';
/** Headers that describe the body: they move into the first part when the message is wrapped. */
const CONTENT_HEADER = /^(content-[a-z0-9-]+|mime-version)$/i;

interface SplitMessage {
  /** Header fields, each with its continuation lines, without the final line break. */
  fields: string[];
  body: Buffer;
}

/** Header and body of a message; the header is read as latin1 so that every byte survives. */
export function splitMessage(mime: Buffer): SplitMessage {
  const crlf = mime.indexOf('\r\n\r\n');
  const lf = mime.indexOf('\n\n');
  let headerEnd: number;
  let bodyStart: number;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    headerEnd = crlf;
    bodyStart = crlf + 4;
  } else if (lf !== -1) {
    headerEnd = lf;
    bodyStart = lf + 2;
  } else {
    headerEnd = mime.length;
    bodyStart = mime.length;
  }
  const fields: string[] = [];
  for (const line of mime.subarray(0, headerEnd).toString('latin1').split(/\r?\n/)) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += `${CRLF}${line}`;
    else fields.push(line);
  }
  return { fields, body: mime.subarray(bodyStart) };
}

function nameOf(field: string): string {
  const colon = field.indexOf(':');
  return (colon === -1 ? field : field.slice(0, colon)).trim();
}

/** Whether the message has a header field of that name (any letter case). */
export function hasHeader(mime: Buffer, name: string): boolean {
  return splitMessage(mime).fields.some((field) => nameOf(field).toLowerCase() === name.toLowerCase());
}

/** Whether the bytes look like a message: at least one well-formed header field before the body. */
export function looksLikeMessage(mime: Buffer): boolean {
  const { fields } = splitMessage(mime);
  return fields.length > 0 && fields.every((field) => /^[!-9;-~]+:/.test(field));
}

function join(fields: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${fields.join(CRLF)}${CRLF}${CRLF}`, 'latin1'), body]);
}

/** Adds the header fields that the message does not have yet, in front of its own. */
export function withHeaders(mime: Buffer, headers: Array<[name: string, value: string]>): Buffer {
  const { fields, body } = splitMessage(mime);
  const present = new Set(fields.map((field) => nameOf(field).toLowerCase()));
  const added = headers
    .filter(([name]) => !present.has(name.toLowerCase()))
    // A value never carries a line break into the header.
    .map(([name, value]) => `${name}: ${value.replace(/[\r\n]+/g, ' ')}`);
  return added.length === 0 ? mime : join([...added, ...fields], body);
}

/** One part joined to the phone's message. */
export interface ExtraPart {
  /** The part's header fields (Content-Type and the like). */
  headers: string[];
  body: Buffer;
}

/**
 * The phone's message followed by `part` in a `multipart/mixed`: the message's own headers stay on
 * top, its content headers and body become the first part unchanged.
 */
export function withPart(mime: Buffer, part: ExtraPart): Buffer {
  const { fields, body } = splitMessage(mime);
  const outer = fields.filter((field) => !CONTENT_HEADER.test(nameOf(field)));
  const inner = fields.filter(
    (field) => CONTENT_HEADER.test(nameOf(field)) && nameOf(field).toLowerCase() !== 'mime-version',
  );
  if (!inner.some((field) => nameOf(field).toLowerCase() === 'content-type'))
    inner.unshift('Content-Type: text/plain; charset=us-ascii');
  const boundary = `=_pushmail_${randomBytes(12).toString('hex')}`;
  const header = [
    ...outer,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ].join(CRLF);
  return Buffer.concat([
    Buffer.from(`${header}${CRLF}${CRLF}--${boundary}${CRLF}${inner.join(CRLF)}${CRLF}${CRLF}`, 'latin1'),
    body,
    Buffer.from(`${CRLF}--${boundary}${CRLF}${part.headers.join(CRLF)}${CRLF}${CRLF}`, 'latin1'),
    part.body,
    Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1'),
  ]);
}

/** The original message as a forwarded attachment (RFC 2046 §5.2.1: never encoded). */
export function forwardedPart(original: Buffer): ExtraPart {
  const eightBit = original.some((byte) => byte > 0x7f);
  return {
    headers: [
      'Content-Type: message/rfc822',
      'Content-Disposition: inline',
      `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`,
    ],
    body: original,
  };
}

/** What a reply quotes of the message it answers. */
export interface QuotedOriginal {
  from: string;
  sentAt: string;
  subject: string;
  text: string;
}

/** The original's text under an "Original message" line, as Exchange appends it to a SmartReply. */
export function quotedPart(original: QuotedOriginal): ExtraPart {
  const text = [
    '-----Original message-----',
    `From: ${original.from}`,
    `Sent: ${original.sentAt}`,
    `Subject: ${original.subject}`,
    '',
    original.text,
  ].join(CRLF);
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  return {
    headers: [
      'Content-Type: text/plain; charset=utf-8',
      'Content-Disposition: inline',
      'Content-Transfer-Encoding: base64',
    ],
    body: Buffer.from(encoded.replace(/(.{76})/g, `$1${CRLF}`), 'latin1'),
  };
}

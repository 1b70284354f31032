import { type AddressObject, type Attachment, parseAddressHeader, simpleParser } from 'mailparser';
import type { AttachmentInfo, EmailAddressValue, MessageFields } from '../emails/email.js';

export type { AttachmentInfo, EmailAddressValue } from '../emails/email.js';

/** What the store keeps of a message besides its exact bytes. */
export interface ParsedMessage extends MessageFields {
  /** Set when the MIME structure could not be read and only the header block was used. */
  parseError: string | null;
}

export const TEXT_PART_ID = '1';
export const HTML_PART_ID = '2';
const FIRST_ATTACHMENT_PART_ID = 3;

export const PREVIEW_LENGTH = 256;
/** Longer Message-IDs are junk; capping them keeps every value indexable. */
const MAX_MESSAGE_ID_LENGTH = 512;
const MAX_REFERENCES = 100;
/** The fallback reads the header block only from this much of the message. */
const MAX_FALLBACK_HEADER_BYTES = 4 * 1024 * 1024;
/**
 * What the MIME parser reads of a message before it gives up (and the fallback below reads the header
 * fields only). Its cost per part and per header byte is not linear everywhere, so these caps are
 * what bound it: the input-cost tests hold both.
 */
export const MAX_MIME_PARTS = 1000;
export const MAX_PART_HEADER_BYTES = 1024 * 1024;
/** How much of an HTML body its preview is read from. */
const MAX_PREVIEW_HTML_LENGTH = 64 * 1024;

/**
 * Reads the fields the store keeps from a raw RFC 5322 message. Never throws: a message the MIME
 * parser rejects is still accepted mail, so its header block is read by hand and the body left empty.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  try {
    const mail = await simpleParser(raw, {
      // A text body made up from HTML is not a text/plain part; the preview is derived separately.
      skipHtmlToText: true,
      skipTextToHtml: true,
      keepCidLinks: true,
      checksumAlgo: false,
      maxChildNodes: MAX_MIME_PARTS,
      maxHeadSize: MAX_PART_HEADER_BYTES,
    });
    const headerValue = (name: string): string | undefined => headerLineValue(mail.headerLines, name);
    const html = typeof mail.html === 'string' && mail.html.length > 0 ? mail.html : null;
    const text = typeof mail.text === 'string' && mail.text.trim().length > 0 ? mail.text : null;
    const attachments = mail.attachments.map((attachment, index) => attachmentInfo(attachment, index));
    return {
      subject: mail.subject ?? null,
      from: addresses(mail.from),
      sender: addresses(senderOf(mail.headers.get('sender'))),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      bcc: addresses(mail.bcc),
      replyTo: addresses(mail.replyTo),
      messageId: messageIdsOf(mail.messageId)[0] ?? null,
      inReplyTo: nonEmpty(messageIdsOf(mail.inReplyTo)),
      references: nonEmpty(messageIdsOf(mail.references)),
      sentAt: dateOf(headerValue('date')),
      textBody: text,
      htmlBody: html,
      preview: previewOf(text, html),
      hasAttachment: mail.attachments.some((attachment) => !attachment.related),
      attachments,
      parseError: null,
    };
  } catch (error) {
    return parseHeaderBlockOnly(raw, error instanceof Error ? error.message : String(error));
  }
}

/** The fallback for a message the MIME parser gave up on: header fields only, an empty body. */
export function parseHeaderBlockOnly(raw: Buffer, reason: string): ParsedMessage {
  const headers = readHeaderBlock(raw.subarray(0, MAX_FALLBACK_HEADER_BYTES));
  const first = (name: string): string | undefined => headers.find((header) => header.name === name)?.value;
  const all = (name: string): string[] =>
    headers.filter((header) => header.name === name).map((header) => header.value);
  const subject = first('subject');
  return {
    subject: subject ?? null,
    from: addressHeader(all('from')),
    sender: addressHeader(all('sender')),
    to: addressHeader(all('to')),
    cc: addressHeader(all('cc')),
    bcc: addressHeader(all('bcc')),
    replyTo: addressHeader(all('reply-to')),
    messageId: messageIdsOf(first('message-id'))[0] ?? null,
    inReplyTo: nonEmpty(messageIdsOf(first('in-reply-to'))),
    references: nonEmpty(messageIdsOf(all('references'))),
    sentAt: dateOf(first('date')),
    textBody: null,
    htmlBody: null,
    preview: '',
    hasAttachment: false,
    attachments: [],
    parseError: reason.slice(0, 500),
  };
}

function attachmentInfo(attachment: Attachment, index: number): AttachmentInfo {
  return {
    partId: String(FIRST_ATTACHMENT_PART_ID + index),
    type: (attachment.contentType || 'application/octet-stream').toLowerCase(),
    name: attachment.filename || null,
    size: attachment.size,
    disposition: attachment.contentDisposition ? attachment.contentDisposition.toLowerCase() : null,
    cid: attachment.cid || null,
  };
}

function senderOf(value: unknown): AddressObject | undefined {
  return typeof value === 'object' && value !== null && Array.isArray((value as AddressObject).value)
    ? (value as AddressObject)
    : undefined;
}

function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddressValue[] | null {
  if (value === undefined) return null;
  const objects = Array.isArray(value) ? value : [value];
  const result: EmailAddressValue[] = [];
  const visit = (entries: AddressObject['value']): void => {
    for (const entry of entries) {
      if (entry.group) {
        visit(entry.group);
        continue;
      }
      const name = entry.name ? entry.name.trim() : '';
      const email = entry.address ? entry.address.trim() : '';
      if (name || email) result.push({ name: name || null, email });
    }
  };
  for (const object of objects) visit(object.value);
  return result;
}

function addressHeader(values: string[]): EmailAddressValue[] | null {
  if (values.length === 0) return null;
  try {
    return addresses(parseAddressHeader(values));
  } catch {
    return null;
  }
}

/**
 * Message-IDs without angle brackets, from a header value or several: the last `MAX_REFERENCES` of
 * them, each cut to `MAX_MESSAGE_ID_LENGTH`. One pass over the input, whatever its length.
 */
export function messageIdsOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const ids: string[] = [];
  const keep = (id: string): void => {
    if (id.length === 0) return;
    ids.push(id.slice(0, MAX_MESSAGE_ID_LENGTH));
    // Trimmed in halves, so that keeping the last ones costs constant time per id.
    if (ids.length >= 2 * MAX_REFERENCES) ids.splice(0, ids.length - MAX_REFERENCES);
  };
  for (const item of Array.isArray(value) ? value : [value]) {
    let bracketed = false;
    for (const match of item.matchAll(/<([^<>\s]+)>/g)) {
      bracketed = true;
      keep(match[1]!);
    }
    if (!bracketed) for (const token of item.matchAll(/\S+/g)) keep(token[0]);
  }
  return ids.slice(-MAX_REFERENCES);
}

function nonEmpty<T>(values: T[]): T[] | null {
  return values.length > 0 ? values : null;
}

/** `Date` header to an instant; an unreadable one is no date rather than a made-up one. */
function dateOf(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const time = Date.parse(value.replace(/\s+/g, ' ').trim());
  return Number.isNaN(time) ? null : new Date(time);
}

function headerLineValue(
  lines: ReadonlyArray<{ key: string; line: string }>,
  name: string,
): string | undefined {
  const line = lines.find((entry) => entry.key === name)?.line;
  if (line === undefined) return undefined;
  const colon = line.indexOf(':');
  return colon < 0 ? undefined : line.slice(colon + 1);
}

interface RawHeader {
  name: string;
  value: string;
}

function readHeaderBlock(bytes: Buffer): RawHeader[] {
  const text = bytes.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const block = end < 0 ? text : text.slice(0, end);
  // A folded field's lines are joined once it is complete: appending them one by one would copy
  // the value again for every line.
  const fields: Array<{ name: string; lines: string[] }> = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      last.lines.push(line.trim());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), lines: [line.slice(colon + 1).trim()] });
  }
  return fields.map(({ name, lines }) => ({ name, value: lines.join(' ') }));
}

/** The first characters of the text, whitespace collapsed; from the HTML when there is no text part. */
export function previewOf(text: string | null, html: string | null): string {
  const source = text ?? (html === null ? '' : htmlToPlain(html.slice(0, MAX_PREVIEW_HTML_LENGTH)));
  // Reads only as far as the preview needs (at most 16 K code units): a long body costs no more
  // than a short one.
  const limit = Math.min(source.length, 16 * 1024);
  let preview = '';
  let characters = 0;
  let space = false;
  for (let index = 0; index < limit && characters < PREVIEW_LENGTH;) {
    const character = String.fromCodePoint(source.codePointAt(index)!);
    index += character.length;
    if (WHITESPACE.test(character)) {
      space = characters > 0;
      continue;
    }
    if (space) {
      preview += ' ';
      characters += 1;
      space = false;
      if (characters === PREVIEW_LENGTH) break;
    }
    preview += character;
    characters += 1;
  }
  return preview;
}

const WHITESPACE = /^\s$/;

/** Where an element whose content is not text to show may start. */
const HIDDEN_ELEMENT = /<(style|script|head)\b/gi;
const ENTITY = /&(nbsp|lt|gt|quot|#39|apos|amp);/gi;
const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  apos: "'",
  amp: '&',
};

/**
 * The text of an HTML body for its preview: the content of style, script and head is dropped, tags
 * become spaces, a few entities are decoded. The same as replacing
 * `<(style|script|head)\b[^>]*>[\s\S]*?<\/\1\s*>`, then `<[^>]*>`, then the entities, but in time
 * linear in the body: those patterns look for a `>` or an end tag afresh from every `<` or start tag,
 * which on a body of `<` or of unclosed `<style>` costs quadratic time. Here every search goes
 * forward from the last, and what one found (or did not find) answers the next.
 */
function htmlToPlain(html: string): string {
  return tagsAsSpaces(withoutHiddenElements(html)).replace(
    ENTITY,
    (_match, name: string) => ENTITIES[name.toLowerCase()]!,
  );
}

/**
 * A search for the next match of `pattern` at or after a position, for positions that only grow:
 * a match found further on answers every position up to it, and none found answers every later one.
 */
function forwardSearch(
  text: string,
  pattern: RegExp,
): (from: number) => { at: number; length: number } | undefined {
  let found: { at: number; length: number } | null | undefined;
  return (from) => {
    if (found === undefined || (found !== null && found.at < from)) {
      pattern.lastIndex = from;
      const match = pattern.exec(text);
      found = match ? { at: match.index, length: match[0].length } : null;
    }
    return found ?? undefined;
  };
}

function withoutHiddenElements(html: string): string {
  const nextGreaterThan = forwardSearch(html, />/g);
  const endTags = new Map<string, (from: number) => { at: number; length: number } | undefined>();
  const opening = new RegExp(HIDDEN_ELEMENT.source, 'gi');
  let text = '';
  let copied = 0;
  for (let match = opening.exec(html); match; match = opening.exec(html)) {
    const name = match[1]!.toLowerCase();
    const close = nextGreaterThan(match.index + match[0].length);
    let endTag = endTags.get(name);
    if (!endTag) endTags.set(name, (endTag = forwardSearch(html, new RegExp(`</${name}\\s*>`, 'gi'))));
    const end = close ? endTag(close.at + 1) : undefined;
    if (!end) {
      opening.lastIndex = match.index + 1;
      continue;
    }
    text += `${html.slice(copied, match.index)} `;
    copied = end.at + end.length;
    opening.lastIndex = copied;
  }
  return text + html.slice(copied);
}

function tagsAsSpaces(html: string): string {
  let text = '';
  let index = 0;
  for (;;) {
    const open = html.indexOf('<', index);
    // No `<`, or no `>` after it: nothing from here on is a tag.
    const close = open < 0 ? -1 : html.indexOf('>', open + 1);
    if (close < 0) return text + html.slice(index);
    text += `${html.slice(index, open)} `;
    index = close + 1;
  }
}

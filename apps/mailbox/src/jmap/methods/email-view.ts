import { partBlobId } from '../../blobs/blob-ids.js';
import type { Email } from '../../emails/email.js';
import {
  decodePartBody,
  decodePartText,
  type MimePart,
  type RawHeader,
  walkParts,
} from '../../mime/body-structure.js';
import { HTML_PART_ID, TEXT_PART_ID } from '../../mime/parse-message.js';
import { headerPropertyValue, type HeaderProperty, parseHeaderProperty } from './header-properties.js';
import { invalidArguments, optionalStringList } from './arguments.js';

export const EMAIL_PROPERTIES = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
  'hasAttachment',
  'preview',
  'bodyValues',
  'textBody',
  'htmlBody',
  'attachments',
  'headers',
  'bodyStructure',
] as const;

/** RFC 8621 §4.5's default list: everything but `headers` and `bodyStructure`. */
export const DEFAULT_EMAIL_PROPERTIES: readonly string[] = EMAIL_PROPERTIES.filter(
  (property) => property !== 'headers' && property !== 'bodyStructure',
);

/** The properties that need the raw message read and its MIME structure parsed. */
export const PROPERTIES_NEEDING_RAW = ['headers', 'bodyStructure'];

/** The properties that need the stored bodies read. */
export const BODY_PROPERTIES_NEEDING_CONTENT = ['bodyValues', 'textBody', 'htmlBody'];

export const BODY_PART_PROPERTIES = [
  'partId',
  'blobId',
  'size',
  'name',
  'type',
  'charset',
  'disposition',
  'cid',
  'language',
  'location',
  'headers',
  'subParts',
] as const;

/** RFC 8621 §4.2's default `bodyProperties`. */
export const DEFAULT_BODY_PART_PROPERTIES: readonly string[] = BODY_PART_PROPERTIES.filter(
  (property) => property !== 'headers' && property !== 'subParts',
);

/**
 * A `properties` or `bodyProperties` argument: the known names and `header:` properties (RFC 8621
 * §4.1.3). A malformed header property or an unknown name is `invalidArguments`.
 */
export function propertiesWithHeaders(
  args: Record<string, unknown>,
  name: string,
  known: readonly string[],
  defaults: readonly string[],
): { properties: string[]; headers: HeaderProperty[] } {
  const requested = optionalStringList(args, name);
  if (requested === null) return { properties: [...defaults], headers: [] };
  const headers: HeaderProperty[] = [];
  const unknown: string[] = [];
  for (const property of requested) {
    const header = parseHeaderProperty(property);
    if (header) headers.push(header);
    else if (!known.includes(property)) unknown.push(property);
  }
  if (unknown.length > 0) {
    throw invalidArguments(
      `unknown ${name}: ${unknown
        .slice(0, 10)
        .map((value) => value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100))
        .join(', ')}`,
    );
  }
  return { properties: requested, headers };
}

/** The raw message of an email, read only when a requested property needs it. */
export interface RawMessage {
  headers: RawHeader[];
  structure: MimePart;
}

export interface EmailViewOptions {
  properties: readonly string[];
  headerProperties: readonly HeaderProperty[];
  bodyProperties: readonly string[];
  bodyHeaderProperties: readonly HeaderProperty[];
  fetchTextBodyValues: boolean;
  fetchHTMLBodyValues: boolean;
  fetchAllBodyValues: boolean;
  /** 0 means no truncation. */
  maxBodyValueBytes: number;
}

interface BodyPart {
  partId: string;
  blobId: string;
  size: number;
  name: string | null;
  type: string;
  charset: string | null;
  disposition: string | null;
  cid: string | null;
  language: string[] | null;
  location: string | null;
}

/** An Email object with exactly the requested properties (`id` always). */
export function emailView(
  email: Email,
  options: EmailViewOptions,
  raw?: RawMessage,
): Record<string, unknown> {
  const view: Record<string, unknown> = { id: email.id };
  const textPart =
    email.textBody === null ? null : textBodyPart(email.blobId, TEXT_PART_ID, 'text/plain', email.textBody);
  const htmlPart =
    email.htmlBody === null ? null : textBodyPart(email.blobId, HTML_PART_ID, 'text/html', email.htmlBody);
  // RFC 8621 §4.1.4: with only one alternative, it stands in for the other.
  const textBody = [textPart ?? htmlPart].filter((part): part is BodyPart => part !== null);
  const htmlBody = [htmlPart ?? textPart].filter((part): part is BodyPart => part !== null);
  const pickPart = (part: BodyPart): Record<string, unknown> => pick(part, options.bodyProperties);

  const values: Record<string, () => unknown> = {
    blobId: () => email.blobId,
    threadId: () => email.threadId,
    mailboxIds: () => email.mailboxIds,
    keywords: () => email.keywords,
    size: () => email.size,
    receivedAt: () => utcDate(email.receivedAt),
    messageId: () => (email.messageId === null ? null : [email.messageId]),
    inReplyTo: () => email.inReplyTo,
    references: () => email.references,
    sender: () => email.sender,
    from: () => email.from,
    to: () => email.to,
    cc: () => email.cc,
    bcc: () => email.bcc,
    replyTo: () => email.replyTo,
    subject: () => email.subject,
    sentAt: () => (email.sentAt === null ? null : utcDate(email.sentAt)),
    hasAttachment: () => email.hasAttachment,
    preview: () => email.preview,
    textBody: () => textBody.map(pickPart),
    htmlBody: () => htmlBody.map(pickPart),
    headers: () => raw?.headers.map(headerView) ?? [],
    bodyStructure: () => (raw ? structureView(email.blobId, raw.structure, options) : null),
    attachments: () =>
      email.attachments.map((attachment) =>
        pickPart({
          partId: attachment.partId,
          blobId: partBlobId(email.blobId, attachment.partId),
          size: attachment.size,
          name: attachment.name,
          type: attachment.type,
          charset: null,
          disposition: attachment.disposition,
          cid: attachment.cid,
          language: null,
          location: null,
        }),
      ),
    bodyValues: () => {
      const parts = new Map<string, { part: BodyPart; content: string }>();
      const include = (part: BodyPart | null, content: string | null): void => {
        if (part && content !== null) parts.set(part.partId, { part, content });
      };
      const contentOf = (part: BodyPart): string | null =>
        part.partId === TEXT_PART_ID ? email.textBody : email.htmlBody;
      if (options.fetchTextBodyValues || options.fetchAllBodyValues)
        for (const part of textBody) include(part, contentOf(part));
      if (options.fetchHTMLBodyValues || options.fetchAllBodyValues)
        for (const part of htmlBody) include(part, contentOf(part));
      const bodyValues: Record<string, { value: string; isEncodingProblem: boolean; isTruncated: boolean }> =
        {};
      for (const [partId, { content }] of [...parts].sort(([a], [b]) => a.localeCompare(b))) {
        const { value, isTruncated } = truncateUtf8(content, options.maxBodyValueBytes);
        bodyValues[partId] = { value, isEncodingProblem: false, isTruncated };
      }
      // RFC 8621 §4.2: every text/* part of the body structure, decoded from its charset.
      if (options.fetchAllBodyValues && raw) {
        for (const part of walkParts(raw.structure)) {
          if (part.partId === null || !part.type.startsWith('text/')) continue;
          const decoded = decodePartText(part);
          const { value, isTruncated } = truncateUtf8(decoded.value, options.maxBodyValueBytes);
          bodyValues[part.partId] = { value, isEncodingProblem: decoded.isEncodingProblem, isTruncated };
        }
      }
      return bodyValues;
    },
  };
  for (const property of options.properties) {
    const value = values[property];
    if (value) view[property] = value();
  }
  for (const header of options.headerProperties) {
    view[header.property] = headerPropertyValue(raw?.headers ?? [], header);
  }
  return view;
}

function headerView(header: RawHeader): { name: string; value: string } {
  return { name: header.name, value: header.value };
}

/** An EmailBodyPart tree (RFC 8621 §4.1.4) with the requested body properties. */
function structureView(
  messageBlobId: string,
  part: MimePart,
  options: EmailViewOptions,
): Record<string, unknown> {
  const all: Record<string, () => unknown> = {
    partId: () => part.partId,
    blobId: () => (part.partId === null ? null : partBlobId(messageBlobId, part.partId)),
    size: () => (part.subParts === null ? decodePartBody(part).data.length : 0),
    headers: () => part.headers.map(headerView),
    name: () => part.name,
    type: () => part.type,
    charset: () => part.charset,
    disposition: () => part.disposition,
    cid: () => part.cid,
    language: () => part.language,
    location: () => part.location,
  };
  const view: Record<string, unknown> = {};
  for (const property of options.bodyProperties) {
    const value = all[property];
    if (value) view[property] = value();
  }
  for (const header of options.bodyHeaderProperties) {
    view[header.property] = headerPropertyValue(part.headers, header);
  }
  // A tree needs its branches: a multipart always lists its sub-parts.
  if (part.subParts !== null) {
    view['subParts'] = part.subParts.map((child) => structureView(messageBlobId, child, options));
  } else if (options.bodyProperties.includes('subParts')) {
    view['subParts'] = null;
  }
  return view;
}

/** Cuts `value` to at most `maxBytes` of UTF-8 without splitting a character; 0 means no limit. */
export function truncateUtf8(value: string, maxBytes: number): { value: string; isTruncated: boolean } {
  if (maxBytes <= 0 || value.length * 3 <= maxBytes) return { value, isTruncated: false };
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return { value, isTruncated: false };
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that would be split.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return { value: bytes.subarray(0, end).toString('utf8'), isTruncated: true };
}

/** RFC 3339 in UTC, with the fraction left out when it is zero as RFC 8620 §1.4 requires. */
export function utcDate(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

function textBodyPart(messageBlobId: string, partId: string, type: string, content: string): BodyPart {
  return {
    partId,
    blobId: partBlobId(messageBlobId, partId),
    size: Buffer.byteLength(content, 'utf8'),
    name: null,
    type,
    charset: 'utf-8',
    disposition: null,
    cid: null,
    language: null,
    location: null,
  };
}

function pick(part: BodyPart, properties: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const property of properties) {
    if (property in part) picked[property] = part[property as keyof BodyPart];
  }
  return picked;
}

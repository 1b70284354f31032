import { EMAIL_METADATA_PROPERTIES } from '@pushmail/jmap';
import { truncateUtf8 } from '@pushmail/platform';
import { partBlobId } from '../../blobs/blob-ids.js';
import type { Email } from '../../emails/email.js';
import type { RawHeader } from '../../mime/body-structure.js';
import { bodyLists } from '../../mime/body-lists.js';
import type { EmailBody, ViewPart } from '../../mime/email-body.js';
import { storable, storableText } from '../../store/storable-text.js';
import { headerPropertyValue, type HeaderProperty, parseHeaderProperty } from './header-properties.js';
import { invalidArguments, optionalStringList } from './arguments.js';

export const EMAIL_PROPERTIES = [
  ...EMAIL_METADATA_PROPERTIES,
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

/**
 * The properties read from the body's parts (stored when the message was, see StoredBody): the body
 * lists are picked from the structure's parts (RFC 8621 §4.1.4), so that every list names a part by
 * one id.
 */
export const PROPERTIES_OF_PARTS = ['bodyStructure', 'textBody', 'htmlBody', 'attachments', 'bodyValues'];

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

/** Whether the requested properties need the body's parts: stored, or read from the message. */
export function needsParts(options: EmailViewOptions): boolean {
  return options.properties.some((property) => PROPERTIES_OF_PARTS.includes(property));
}

/**
 * Whether the requested properties need the message itself, given its stored parts: header fields
 * (of the message or of its parts) are not stored, and neither is the text of parts outside
 * `textBody` and `htmlBody` (or text the store could not hold as it is).
 */
export function needsMessage(options: EmailViewOptions, stored: EmailBody): boolean {
  if (options.headerProperties.length > 0 || options.properties.includes('headers')) return true;
  const showsParts = ['bodyStructure', 'textBody', 'htmlBody', 'attachments'].some((property) =>
    options.properties.includes(property),
  );
  if (showsParts && (options.bodyHeaderProperties.length > 0 || options.bodyProperties.includes('headers'))) {
    return true;
  }
  if (!options.properties.includes('bodyValues')) return false;
  for (const part of valueParts(stored, options)) if (stored.value(part) === undefined) return true;
  return false;
}

/** RFC 8621 §4.2: the text parts of the lists asked for, or of the whole structure. */
function valueParts(body: EmailBody, options: EmailViewOptions): ViewPart[] {
  const lists = bodyLists(body.structure);
  const parts = new Set<ViewPart>();
  if (options.fetchTextBodyValues) for (const part of lists.textBody) parts.add(part);
  if (options.fetchHTMLBodyValues) for (const part of lists.htmlBody) parts.add(part);
  if (options.fetchAllBodyValues) for (const part of walkParts(body.structure)) parts.add(part);
  return [...parts].filter((part) => part.partId !== null && part.type.startsWith('text/'));
}

function* walkParts(part: ViewPart): Generator<ViewPart> {
  yield part;
  for (const child of part.subParts ?? []) yield* walkParts(child);
}

/** An Email object with exactly the requested properties (`id` always). */
export function emailView(
  email: Email,
  options: EmailViewOptions,
  body?: EmailBody,
): Record<string, unknown> {
  const view: Record<string, unknown> = { id: email.id };
  const lists = body ? bodyLists(body.structure) : { textBody: [], htmlBody: [], attachments: [] };
  const listView = (parts: ViewPart[]) => parts.map((part) => structureView(email.blobId, part, options));

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
    textBody: () => listView(lists.textBody),
    htmlBody: () => listView(lists.htmlBody),
    headers: () => body?.headers?.map(headerView) ?? [],
    bodyStructure: () => (body ? structureView(email.blobId, body.structure, options) : null),
    attachments: () => listView(lists.attachments),
    bodyValues: () => {
      const bodyValues: Record<string, { value: string; isEncodingProblem: boolean; isTruncated: boolean }> =
        {};
      for (const part of body ? valueParts(body, options) : []) {
        const decoded = body!.value(part);
        if (decoded === undefined || part.partId === null) continue;
        // A maxBodyValueBytes of 0 asks for the whole value (RFC 8621 §4.2).
        const { text, truncated } =
          options.maxBodyValueBytes > 0
            ? truncateUtf8(decoded.value, options.maxBodyValueBytes)
            : { text: decoded.value, truncated: false };
        // As the store keeps text: a lone surrogate shown as U+FFFD, no NUL.
        bodyValues[part.partId] = {
          value: storableText(text),
          isEncodingProblem: decoded.isEncodingProblem,
          isTruncated: truncated,
        };
      }
      return bodyValues;
    },
  };
  for (const property of options.properties) {
    const value = values[property];
    if (value) view[property] = value();
  }
  for (const header of options.headerProperties) {
    view[header.property] = headerPropertyValue(body?.headers ?? [], header);
  }
  return view;
}

function headerView(header: RawHeader): { name: string; value: string } {
  return { name: header.name, value: header.value };
}

/** An EmailBodyPart tree (RFC 8621 §4.1.4) with the requested body properties. */
function structureView(
  messageBlobId: string,
  part: ViewPart,
  options: EmailViewOptions,
): Record<string, unknown> {
  const all: Record<string, () => unknown> = {
    partId: () => part.partId,
    blobId: () => (part.partId === null ? null : partBlobId(messageBlobId, part.partId)),
    size: () => part.size,
    headers: () => storable((part.headers ?? []).map(headerView)),
    name: () => (part.name === null ? null : storableText(part.name)),
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
    view[header.property] = headerPropertyValue(part.headers ?? [], header);
  }
  // A tree needs its branches: a multipart always lists its sub-parts.
  if (part.subParts !== null) {
    view['subParts'] = part.subParts.map((child) => structureView(messageBlobId, child, options));
  } else if (options.bodyProperties.includes('subParts')) {
    view['subParts'] = null;
  }
  return view;
}

/** RFC 3339 in UTC, with the fraction left out when it is zero as RFC 8620 §1.4 requires. */
export function utcDate(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

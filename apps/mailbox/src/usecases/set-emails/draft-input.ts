import { isObject, type SetError, setError } from '@pushmail/jmap';
import type { Email, EmailAddressValue, MessageFields } from '../../emails/email.js';
import type { DraftAttachment } from '../../mime/compose-message.js';
import { readSet } from '../../jmap/methods/email-patch.js';
import { partOfType } from '../../mime/body-structure.js';
import { type DraftHeader, headerPropertyNames, readDraftHeaders } from '../../mime/draft-headers.js';
import { type DraftPart, readBodyLeaf, readDraftStructure, structureOfBodies } from './draft-structure.js';

/** The fields of a message that an Email/set create can give. */
type DraftFields =
  | 'from'
  | 'sender'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'replyTo'
  | 'subject'
  | 'sentAt'
  | 'messageId'
  | 'inReplyTo'
  | 'references'
  | 'textBody'
  | 'htmlBody';

/** An Email/set create (RFC 8621 §4.6), checked, with attachments still as blob ids. */
export interface DraftInput extends Pick<MessageFields, DraftFields>, Pick<Email, 'mailboxIds' | 'keywords'> {
  receivedAt: Date | null;
  attachments: Array<Omit<DraftAttachment, 'data'> & { blobId: string }>;
  /**
   * The MIME tree to compose, when the create gives one (`bodyStructure`) or its bodies refer to
   * uploaded blobs; then `textBody`, `htmlBody` and `attachments` above are empty.
   */
  structure: DraftPart | null;
  /** Header fields given as `header:*` properties, in order (RFC 8621 §4.1.3). */
  headers: DraftHeader[];
}

/** The header field each convenience property stands for: giving both is invalidProperties. */
const CONVENIENCE_FIELDS: Record<string, string> = {
  from: 'from',
  sender: 'sender',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
  replyTo: 'reply-to',
  subject: 'subject',
  sentAt: 'date',
  messageId: 'message-id',
  inReplyTo: 'in-reply-to',
  references: 'references',
};

const ADDRESS_FIELDS = ['from', 'sender', 'to', 'cc', 'bcc', 'replyTo'] as const;
const SETTABLE = new Set<string>([
  'mailboxIds',
  'keywords',
  'receivedAt',
  ...ADDRESS_FIELDS,
  'subject',
  'sentAt',
  'messageId',
  'inReplyTo',
  'references',
  'textBody',
  'htmlBody',
  'bodyValues',
  'attachments',
  'bodyStructure',
]);

export type DraftOutcome = { ok: true; draft: DraftInput } | { ok: false; error: SetError };

/** Reads a create object; anything this server cannot build a message from is invalidProperties. */
export function readDraft(value: unknown, resolveMailbox: (id: string) => string | undefined): DraftOutcome {
  if (!isObject(value)) return invalid(['*'], 'a create must be an Email object');
  const unknown = Object.keys(value).filter((key) => !SETTABLE.has(key) && !key.startsWith('header:'));
  if (unknown.length > 0) return invalid(unknown, 'server-set, unknown or unsupported properties');
  const headers = readDraftHeaders(value);
  if (!headers.ok) {
    return invalid(
      headers.properties,
      'header properties need a valid field name, a form the field allows and a value of that form, each field once',
    );
  }
  const headerConflicts = topLevelHeaderConflicts(value);
  if (headerConflicts.length > 0) {
    return invalid(
      headerConflicts,
      'a header field is given twice, or a Content-* field is given on the Email rather than on a body part',
    );
  }
  const bad: string[] = [];
  const mailboxIds = readSet('mailboxIds', value['mailboxIds'], resolveMailbox);
  if (mailboxIds === null || Object.keys(mailboxIds).length === 0) bad.push('mailboxIds');
  const keywords = value['keywords'] === undefined ? {} : readSet('keywords', value['keywords']);
  if (keywords === null) bad.push('keywords');

  const addresses = {} as Record<(typeof ADDRESS_FIELDS)[number], EmailAddressValue[] | null>;
  for (const field of ADDRESS_FIELDS) {
    const parsed = addressList(value[field]);
    if (parsed === undefined) bad.push(field);
    else addresses[field] = parsed;
  }
  const subject = value['subject'];
  if (subject !== undefined && subject !== null && typeof subject !== 'string') bad.push('subject');
  const sentAt = optionalDate(value['sentAt']);
  if (sentAt === undefined) bad.push('sentAt');
  const receivedAt = optionalDate(value['receivedAt'], true);
  if (receivedAt === undefined) bad.push('receivedAt');
  const messageId = idList(value['messageId']);
  if (messageId === undefined || (messageId !== null && messageId.length !== 1)) bad.push('messageId');
  const inReplyTo = idList(value['inReplyTo']);
  if (inReplyTo === undefined) bad.push('inReplyTo');
  const references = idList(value['references']);
  if (references === undefined) bad.push('references');

  const bodyValues = isObject(value['bodyValues']) ? value['bodyValues'] : {};
  if (value['bodyValues'] !== undefined && !isObject(value['bodyValues'])) bad.push('bodyValues');
  const structure = draftStructure(
    value,
    bodyValues as Record<string, unknown>,
    bad,
    headers.headers.length > 0,
  );
  const textBody = structure === null ? bodyPart(value['textBody'], 'text/plain', bodyValues) : null;
  if (textBody === undefined) bad.push('textBody');
  const htmlBody = structure === null ? bodyPart(value['htmlBody'], 'text/html', bodyValues) : null;
  if (htmlBody === undefined) bad.push('htmlBody');
  const attachments = structure === null ? attachmentList(value['attachments']) : [];
  if (attachments === undefined) bad.push('attachments');

  if (bad.length > 0) return invalid(bad, 'these properties have invalid values');
  return {
    ok: true,
    draft: {
      mailboxIds: mailboxIds!,
      keywords: keywords!,
      receivedAt: receivedAt!,
      ...addresses,
      subject: (subject as string | null | undefined) ?? null,
      sentAt: sentAt!,
      messageId: messageId?.[0] ?? null,
      inReplyTo: inReplyTo!,
      references: references!,
      textBody: textBody!,
      htmlBody: htmlBody!,
      attachments: attachments!,
      structure,
      headers: headers.headers,
    },
  };
}

/**
 * RFC 8621 §4.6: a field given both as a convenience property and as `header:*`, a `Content-*`
 * field on the Email, and a field of the top-level body part the Email already gives.
 */
function topLevelHeaderConflicts(value: Record<string, unknown>): string[] {
  const given = (key: string) => value[key] !== undefined;
  const fieldOf = (key: string) => key.slice('header:'.length).split(':')[0]!.toLowerCase();
  const convenience = new Set(
    Object.keys(CONVENIENCE_FIELDS)
      .filter(given)
      .map((key) => CONVENIENCE_FIELDS[key]!),
  );
  const conflicts = Object.keys(value).filter(
    (key) =>
      key.startsWith('header:') && (convenience.has(fieldOf(key)) || fieldOf(key).startsWith('content-')),
  );
  for (const key of Object.keys(CONVENIENCE_FIELDS)) {
    if (given(key) && conflicts.some((header) => fieldOf(header) === CONVENIENCE_FIELDS[key]))
      conflicts.push(key);
  }
  const root = value['bodyStructure'];
  if (isObject(root)) {
    const onEmail = new Set([...convenience, ...headerPropertyNames(value)]);
    if (headerPropertyNames(root).some((name) => onEmail.has(name))) conflicts.push('bodyStructure');
  }
  return conflicts;
}

function invalid(properties: string[], description: string): DraftOutcome {
  return { ok: false, error: setError('invalidProperties', description, { properties }) };
}

/** undefined: invalid; null: absent. */
function addressList(value: unknown): EmailAddressValue[] | null | undefined {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return undefined;
  const result: EmailAddressValue[] = [];
  for (const item of value) {
    if (
      !isObject(item) ||
      typeof item['email'] !== 'string' ||
      !/^[^\s@<>]+@[^\s@<>]+$/.test(item['email'])
    ) {
      return undefined;
    }
    const name = item['name'];
    if (name !== undefined && name !== null && typeof name !== 'string') return undefined;
    result.push({ name: (name as string | null | undefined) || null, email: item['email'] });
  }
  return result;
}

function optionalDate(value: unknown, utcOnly = false): Date | null | undefined {
  if (value === undefined || value === null) return null;
  const pattern = utcOnly
    ? /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  if (typeof value !== 'string' || !pattern.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function idList(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'string' && /^[^\s<>]{1,512}$/.test(item))
  ) {
    return undefined;
  }
  return value as string[];
}

/** A textBody or htmlBody: one part of the given type whose content is in bodyValues. */
function bodyPart(
  value: unknown,
  type: string,
  bodyValues: Record<string, unknown>,
): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length !== 1 || !isObject(value[0])) return undefined;
  const part = value[0];
  if (part['type'] !== undefined && String(part['type']).toLowerCase() !== type) return undefined;
  if (typeof part['partId'] !== 'string' || part['blobId'] !== undefined) return undefined;
  const content = bodyValues[part['partId']];
  if (!isObject(content) || typeof content['value'] !== 'string') return undefined;
  if (content['isTruncated'] === true || content['isEncodingProblem'] === true) return undefined;
  return content['value'];
}

function attachmentList(value: unknown): DraftInput['attachments'] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const result: DraftInput['attachments'] = [];
  for (const item of value) {
    if (!isObject(item) || typeof item['blobId'] !== 'string') return undefined;
    const { type, name, disposition, cid } = item;
    if (
      type !== undefined &&
      type !== null &&
      (typeof type !== 'string' || !/^[\x21-\x7e]+\/[\x21-\x7e]+$/.test(type))
    ) {
      return undefined;
    }
    if (name !== undefined && name !== null && typeof name !== 'string') return undefined;
    if (
      disposition !== undefined &&
      disposition !== null &&
      disposition !== 'attachment' &&
      disposition !== 'inline'
    ) {
      return undefined;
    }
    if (cid !== undefined && cid !== null && (typeof cid !== 'string' || !/^[^\s<>]{1,255}$/.test(cid)))
      return undefined;
    result.push({
      blobId: item['blobId'],
      type: (type as string | null | undefined) ?? 'application/octet-stream',
      name: (name as string | null | undefined) ?? null,
      disposition: (disposition as 'attachment' | 'inline' | null | undefined) ?? 'attachment',
      cid: (cid as string | null | undefined) ?? null,
    });
  }
  return result;
}

/**
 * The MIME tree of a create that gives `bodyStructure`, or whose `textBody`/`htmlBody` refer to
 * uploaded blobs (RFC 8621 §4.6); null for one the simpler composer builds. Problems go to `bad`.
 */
function draftStructure(
  value: Record<string, unknown>,
  bodyValues: Record<string, unknown>,
  bad: string[],
  hasHeaders: boolean,
): DraftPart | null {
  const given = (key: string) => value[key] !== undefined && value[key] !== null;
  if (given('bodyStructure')) {
    const lists = ['textBody', 'htmlBody', 'attachments'].filter(given);
    if (lists.length > 0) {
      bad.push('bodyStructure', ...lists);
      return null;
    }
    const read = readDraftStructure(value['bodyStructure'], bodyValues);
    if (!read.ok) bad.push('bodyStructure');
    return read.ok ? read.part : null;
  }
  const refersToBlob = (key: string) =>
    Array.isArray(value[key]) && value[key].some((part) => isObject(part) && part['blobId'] != null);
  // The simpler composer writes no header fields of the draft's own: a create with any goes here.
  if (!hasHeaders && !refersToBlob('textBody') && !refersToBlob('htmlBody')) return null;
  const leaf = (key: string, type: string): DraftPart | null => {
    if (!given(key)) return null;
    const list = value[key];
    const read = Array.isArray(list) && list.length === 1 ? readBodyLeaf(list[0], type, bodyValues) : null;
    if (read?.ok) return read.part;
    bad.push(key);
    return null;
  };
  const text = leaf('textBody', 'text/plain');
  const html = leaf('htmlBody', 'text/html');
  const attachments = attachmentList(value['attachments']);
  if (attachments === undefined) bad.push('attachments');
  return structureOfBodies(
    text,
    html,
    (attachments ?? []).map((attachment) => ({
      ...partOfType(attachment.type),
      name: attachment.name,
      disposition: attachment.disposition,
      cid: attachment.cid,
      subParts: null,
      content: { blobId: attachment.blobId },
    })),
  );
}

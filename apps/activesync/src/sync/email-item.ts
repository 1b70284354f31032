import { el, type WbxmlElement } from '@pushmail/activesync';
import { truncateUtf8 } from '@pushmail/platform';
import type { EmailAddress, EmailDetail } from '../mailbox/mail-store.js';
import { BodyType, type BodyPreference } from './body-preference.js';

/** A message body as served: its type, the (possibly cut) data, its full size. */
export interface ServedBody {
  type: number;
  data: string;
  estimatedSize: number;
  truncated: boolean;
}

/** `"Name" <address>`, comma-separated, as EAS clients expect address lists. */
export function formatAddresses(addresses: readonly EmailAddress[]): string {
  return addresses
    .map(({ name, email }) => (name ? `"${name.replace(/["\\]/g, '')}" <${email}>` : email))
    .join(', ');
}

/** EAS dates: UTC with milliseconds, as `2026-12-05T10:00:00.000Z`. */
export function easDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

/** Plain text of an HTML body, for a device that wants only text. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function textToHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<html><body><pre>${escaped}</pre></body></html>`;
}

/**
 * The body a device asked for. `mime` is the message's raw bytes, fetched only for type 4.
 */
export function servedBody(detail: EmailDetail, preference: BodyPreference, mime?: Buffer): ServedBody {
  let type = preference.type;
  let full: string;
  if (type === BodyType.Mime && mime) {
    full = mime.toString('utf8');
  } else if (type === BodyType.Html) {
    full = detail.html ?? textToHtml(detail.text ?? detail.preview);
  } else {
    type = BodyType.PlainText;
    full = detail.text ?? (detail.html ? htmlToText(detail.html) : detail.preview);
  }
  const estimatedSize = Buffer.byteLength(full, 'utf8');
  if (preference.truncationSize === undefined || estimatedSize <= preference.truncationSize) {
    return { type, data: full, estimatedSize, truncated: false };
  }
  if (preference.allOrNone) return { type, data: '', estimatedSize, truncated: true };
  return { type, data: truncateUtf8(full, preference.truncationSize).text, estimatedSize, truncated: true };
}

/** FileReference of an attachment: the message and the blob, so a Fetch can check both. */
export function fileReferenceOf(emailId: string, blobId: string): string {
  return `${emailId}:${blobId}`;
}

export function parseFileReference(reference: string): { emailId: string; blobId: string } | undefined {
  const colon = reference.indexOf(':');
  if (colon <= 0 || colon === reference.length - 1 || reference.length > 600) return undefined;
  return { emailId: reference.slice(0, colon), blobId: reference.slice(colon + 1) };
}

function bodyElement(body: ServedBody): WbxmlElement {
  return el(
    'AirSyncBase',
    'Body',
    el('AirSyncBase', 'Type', String(body.type)),
    el('AirSyncBase', 'EstimatedDataSize', String(body.estimatedSize)),
    body.truncated && el('AirSyncBase', 'Truncated', '1'),
    body.data.length > 0 && el('AirSyncBase', 'Data', body.data),
  );
}

/** The flags part of an item: read and follow-up flag. */
export function flagElements(read: boolean, flagged: boolean): WbxmlElement[] {
  return [
    el('Email', 'Read', read ? '1' : '0'),
    flagged
      ? el('Email', 'Flag', el('Email', 'Status', '2'), el('Email', 'FlagType', 'Follow up'))
      : el('Email', 'Flag'),
  ];
}

/** A message as an EAS Email item: the ApplicationData of a Sync Add or a Fetch. */
export function emailApplicationData(
  detail: EmailDetail,
  body: ServedBody,
  tag = 'ApplicationData',
  page: 'AirSync' | 'ItemOperations' | 'Search' = 'AirSync',
): WbxmlElement {
  const attachments = detail.attachments.filter(
    (attachment) => attachment.disposition !== 'inline' || !attachment.cid,
  );
  return el(
    page,
    tag,
    el('Email', 'To', formatAddresses(detail.to)),
    detail.cc.length > 0 && el('Email', 'Cc', formatAddresses(detail.cc)),
    el('Email', 'From', formatAddresses(detail.from)),
    el('Email', 'Subject', detail.subject),
    detail.replyTo.length > 0 && el('Email', 'ReplyTo', formatAddresses(detail.replyTo)),
    el('Email', 'DateReceived', easDate(detail.receivedAt)),
    el('Email', 'DisplayTo', detail.to.map((address) => address.name ?? address.email).join('; ')),
    el('Email', 'ThreadTopic', detail.subject),
    el('Email', 'Importance', '1'),
    ...flagElements(detail.flags.read, detail.flags.flagged),
    bodyElement(body),
    attachments.length > 0 &&
      el(
        'AirSyncBase',
        'Attachments',
        ...attachments.map((attachment) =>
          el(
            'AirSyncBase',
            'Attachment',
            el('AirSyncBase', 'DisplayName', attachment.name ?? 'attachment'),
            el('AirSyncBase', 'FileReference', fileReferenceOf(detail.id, attachment.blobId)),
            el('AirSyncBase', 'Method', '1'),
            el('AirSyncBase', 'EstimatedDataSize', String(attachment.size)),
            attachment.cid !== null && el('AirSyncBase', 'ContentId', attachment.cid),
            attachment.disposition === 'inline' && el('AirSyncBase', 'IsInline', '1'),
          ),
        ),
      ),
    el('Email', 'MessageClass', 'IPM.Note'),
    el('Email', 'InternetCPID', '65001'),
    el('Email', 'ContentClass', 'urn:content-classes:message'),
    el('AirSyncBase', 'NativeBodyType', detail.html ? '2' : '1'),
  );
}

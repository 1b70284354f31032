import type { Insertable } from 'kysely';
import type { StoredBody } from '../mime/email-body.js';
import { addressSortKey, subjectSortKey } from '../mime/sort-keys.js';
import type { EmailRow } from '../store/query-builder.js';
import { storable } from '../store/storable-text.js';
import type { EmailsTable } from '../store/schema.generated.js';

export interface EmailAddressValue {
  name: string | null;
  email: string;
}

export interface AttachmentInfo {
  partId: string;
  type: string;
  name: string | null;
  size: number;
  disposition: string | null;
  cid: string | null;
}

/** What a message says about itself: read from its bytes, or given by a draft. */
export interface MessageFields {
  subject: string | null;
  from: EmailAddressValue[] | null;
  sender: EmailAddressValue[] | null;
  to: EmailAddressValue[] | null;
  cc: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
  replyTo: EmailAddressValue[] | null;
  /** The first Message-ID, without angle brackets. */
  messageId: string | null;
  inReplyTo: string[] | null;
  references: string[] | null;
  sentAt: Date | null;
  /** Null when the message has no text/plain part, or when the reader did not need the bodies. */
  textBody: string | null;
  htmlBody: string | null;
  preview: string;
  hasAttachment: boolean;
  attachments: AttachmentInfo[];
}

/**
 * An email as mailbox keeps it, the one shape every part of the service speaks: parsed MIME becomes
 * one (`newEmail`), a row reads as one (`emailFromRow`), and the JMAP Email object is a view of one
 * (`emailView`).
 */
export interface Email extends MessageFields {
  id: string;
  /** The blob holding the message exactly as received (or imported, or composed). */
  blobId: string;
  threadId: string;
  mailboxIds: Record<string, boolean>;
  keywords: Record<string, boolean>;
  size: number;
  receivedAt: Date;
}

/** An email about to be stored: the store gives it its id and finds its thread. */
export interface NewEmail extends Omit<Email, 'id' | 'threadId'> {
  /** The idempotency key: a second insert with the same key stores nothing. */
  deliveryId: string;
  /** The MIME parts Email/get shows, read from the message once, as it is stored. */
  body: StoredBody;
}

/** The columns an `Email` is read from. */
export const EMAIL_COLUMNS = [
  'id',
  'blob_id',
  'thread_id',
  'mailbox_ids',
  'keywords',
  'size',
  'received_at',
  'subject',
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply_to',
  'message_id',
  'in_reply_to',
  'references',
  'sent_at',
  'preview',
  'text_body',
  'html_body',
  'has_attachment',
  'attachments',
] as const satisfies ReadonlyArray<keyof EmailRow>;

export type EmailColumns = Pick<EmailRow, (typeof EMAIL_COLUMNS)[number]>;

/** Besides what an `Email` reads, a new row gets these; its thread_id is the store's to find. */
const STORE_COLUMNS = [
  'account_id',
  'delivery_id',
  'sort_subject',
  'sort_from',
  'sort_to',
  'created_modseq',
  'updated_modseq',
  'body_structure',
  'body_values',
] as const;

type EmailInsertColumn =
  Exclude<(typeof EMAIL_COLUMNS)[number], 'thread_id'> | (typeof STORE_COLUMNS)[number];

/** The columns a new email is written to. */
export const EMAIL_INSERT_COLUMNS: readonly EmailInsertColumn[] = [
  ...EMAIL_COLUMNS.filter(
    (column): column is Exclude<(typeof EMAIL_COLUMNS)[number], 'thread_id'> => column !== 'thread_id',
  ),
  ...STORE_COLUMNS,
];

export type EmailInsert = Required<Pick<Insertable<EmailsTable>, EmailInsertColumn>>;

/** Parsed MIME and what the store decided about it, as an email to store. */
export function newEmail(
  message: MessageFields & { parseError?: string | null },
  stored: Omit<NewEmail, keyof MessageFields>,
): NewEmail {
  const { parseError: _notStored, ...fields } = message;
  return { ...fields, ...stored };
}

/** A stored row as an email. The JSON columns hold what `emailInsert` wrote. */
export function emailFromRow(row: EmailColumns): Email {
  return {
    id: row.id,
    blobId: row.blob_id,
    threadId: row.thread_id,
    mailboxIds: row.mailbox_ids as Email['mailboxIds'],
    keywords: row.keywords as Email['keywords'],
    size: row.size,
    receivedAt: row.received_at,
    subject: row.subject,
    from: row.from as Email['from'],
    sender: row.sender as Email['sender'],
    to: row.to as Email['to'],
    cc: row.cc as Email['cc'],
    bcc: row.bcc as Email['bcc'],
    replyTo: row.reply_to as Email['replyTo'],
    messageId: row.message_id,
    inReplyTo: row.in_reply_to as Email['inReplyTo'],
    references: row.references as Email['references'],
    sentAt: row.sent_at,
    preview: row.preview,
    textBody: row.text_body,
    htmlBody: row.html_body,
    hasAttachment: row.has_attachment,
    attachments: row.attachments as Email['attachments'],
  };
}

/**
 * The row of a new email, with the sort keys Email/query orders by; its thread is the store's to find.
 * This is where what a message says becomes a row, so this is where it is made storable: every string
 * of the email, and every string derived from it (a sort key cut short), is valid Unicode without NUL.
 */
export function emailInsert(
  unchecked: NewEmail,
  stored: { id: string; accountId: string; modseq: number },
): EmailInsert {
  const email = storable(unchecked);
  return storable({
    id: stored.id,
    account_id: stored.accountId,
    delivery_id: email.deliveryId,
    mailbox_ids: JSON.stringify(email.mailboxIds),
    keywords: JSON.stringify(email.keywords),
    received_at: email.receivedAt,
    size: email.size,
    subject: email.subject,
    from: json(email.from),
    sender: json(email.sender),
    to: json(email.to),
    cc: json(email.cc),
    bcc: json(email.bcc),
    reply_to: json(email.replyTo),
    message_id: email.messageId,
    in_reply_to: json(email.inReplyTo),
    references: json(email.references),
    sent_at: email.sentAt,
    preview: email.preview,
    text_body: email.textBody,
    html_body: email.htmlBody,
    has_attachment: email.hasAttachment,
    attachments: JSON.stringify(email.attachments),
    blob_id: email.blobId,
    sort_subject: subjectSortKey(email.subject),
    sort_from: addressSortKey(email.from),
    sort_to: addressSortKey(email.to),
    created_modseq: stored.modseq,
    updated_modseq: stored.modseq,
    body_structure: JSON.stringify(email.body.structure),
    body_values: JSON.stringify(email.body.values),
  });
}

function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

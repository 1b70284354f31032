import type { AccountWrite } from '../changes/account-write.js';
import { preparedQuery } from '../store/prepared-query.js';
import { newEmailId, newThreadId } from '../ids/random-id.js';
import type { ParsedMessage } from '../mime/parse-message.js';
import { addressSortKey, subjectSortKey } from '../mime/sort-keys.js';
import { type CountedEmail, mailboxesAffected } from './mailbox-effects.js';

export interface NewEmail {
  /** The idempotency key: a second insert with the same key stores nothing. */
  deliveryId: string;
  blobId: string;
  size: number;
  parsed: ParsedMessage;
  receivedAt: Date;
  mailboxIds: readonly string[];
  keywords: readonly string[];
}

export interface InsertedEmail {
  id: string;
  threadId: string;
  blobId: string;
  size: number;
}

/**
 * Stores one email within `write` and records what it changed: the email, its thread, and the
 * counts of its mailboxes. Returns null when the same delivery was stored before.
 */
export async function insertEmail(write: AccountWrite, email: NewEmail): Promise<InsertedEmail | null> {
  const { parsed } = email;
  const newThread = newThreadId();
  const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
  const mailboxIds = Object.fromEntries(email.mailboxIds.map((id) => [id, true]));
  const keywords = Object.fromEntries(email.keywords.map((keyword) => [keyword, true]));
  const subject = subjectSortKey(parsed.subject);
  const referenced = [...(parsed.inReplyTo ?? []), ...(parsed.references ?? [])];
  // The thread is found and the email stored in one round trip (see THREAD_OF for the rule).
  const inserted = await preparedQuery<{ id: string; thread_id: string }>(
    write.manager,
    'mailbox.insert-email',
    `INSERT INTO mailbox.emails (
       id, account_id, delivery_id, thread_id, mailbox_ids, keywords, received_at, size,
       subject, "from", sender, "to", cc, bcc, reply_to, message_id, in_reply_to, "references", sent_at,
       preview, text_body, html_body, has_attachment, attachments, blob_id,
       sort_subject, sort_from, sort_to, created_modseq, updated_modseq
     ) VALUES (
       $1, $2, $3, COALESCE((${THREAD_OF}), $4), $5::jsonb, $6::jsonb, $7, $8,
       $9, $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14::jsonb, $15::jsonb, $16, $17::jsonb, $18::jsonb, $19,
       $20, $21, $22, $23, $24::jsonb, $25,
       $26, $27, $28, $29, $29
     )
     ON CONFLICT (account_id, delivery_id) DO NOTHING
     RETURNING id, thread_id`,
    [
      newEmailId(),
      write.accountId,
      email.deliveryId,
      newThread,
      JSON.stringify(mailboxIds),
      JSON.stringify(keywords),
      email.receivedAt,
      email.size,
      parsed.subject,
      json(parsed.from),
      json(parsed.sender),
      json(parsed.to),
      json(parsed.cc),
      json(parsed.bcc),
      json(parsed.replyTo),
      parsed.messageId,
      json(parsed.inReplyTo),
      json(parsed.references),
      parsed.sentAt,
      parsed.preview,
      parsed.textBody,
      parsed.htmlBody,
      parsed.hasAttachment,
      JSON.stringify(parsed.attachments),
      email.blobId,
      subject,
      addressSortKey(parsed.from),
      addressSortKey(parsed.to),
      write.modseq,
      referenced,
    ],
  );
  const row = inserted[0];
  if (row === undefined) return null;
  write.record('Email', row.id, 'created');
  write.record('Thread', row.thread_id, row.thread_id === newThread ? 'created' : 'updated');
  recordMailboxes(write, null, { mailboxIds, keywords });
  return { id: row.id, threadId: row.thread_id, blobId: email.blobId, size: email.size };
}

/**
 * The thread a message joins: that of the earliest stored message it replies to or references
 * ($30), or that replies to or references it ($16, its Message-ID, when it arrives after its
 * answer), provided the base subjects ($26) agree, so a reply that starts another topic starts
 * another thread. With neither references nor a Message-ID the planner folds it to nothing.
 */
const THREAD_OF = `SELECT thread_id FROM mailbox.emails
      WHERE account_id = $2
        AND (message_id = ANY($30::text[])
             OR ($16::text IS NOT NULL AND (in_reply_to ? $16::text OR "references" ? $16::text)))
        AND ($26::text = '' OR sort_subject = '' OR sort_subject = $26::text)
      ORDER BY received_at, id
      LIMIT 1`;

export interface EmailState extends CountedEmail {
  id: string;
  threadId: string;
}

/** Locks and reads the emails a /set is about to change; missing ids are simply absent. */
export async function lockEmails(
  write: AccountWrite,
  ids: readonly string[],
): Promise<Map<string, EmailState>> {
  if (ids.length === 0) return new Map();
  const rows: Array<{
    id: string;
    thread_id: string;
    mailbox_ids: Record<string, boolean>;
    keywords: Record<string, boolean>;
  }> = await write.manager.query(
    `SELECT id, thread_id, mailbox_ids, keywords FROM mailbox.emails
      WHERE account_id = $1 AND id = ANY($2::text[])
      FOR UPDATE`,
    [write.accountId, [...new Set(ids)]],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      { id: row.id, threadId: row.thread_id, mailboxIds: row.mailbox_ids, keywords: row.keywords },
    ]),
  );
}

/** Writes new keywords and mailboxes of an email and records what that changed. */
export async function updateEmail(
  write: AccountWrite,
  before: EmailState,
  after: CountedEmail,
): Promise<boolean> {
  if (sameSet(before.mailboxIds, after.mailboxIds) && sameSet(before.keywords, after.keywords)) return false;
  await write.manager.query(
    `UPDATE mailbox.emails SET mailbox_ids = $3::jsonb, keywords = $4::jsonb, updated_modseq = $5
      WHERE account_id = $1 AND id = $2`,
    [
      write.accountId,
      before.id,
      JSON.stringify(after.mailboxIds),
      JSON.stringify(after.keywords),
      write.modseq,
    ],
  );
  write.record('Email', before.id, 'updated');
  recordMailboxes(write, before, after);
  return true;
}

/** Deletes an email; its thread is updated, or destroyed with its last email. */
export async function destroyEmail(write: AccountWrite, email: EmailState): Promise<void> {
  await write.manager.query('DELETE FROM mailbox.emails WHERE account_id = $1 AND id = $2', [
    write.accountId,
    email.id,
  ]);
  const left: Array<{ n: number }> = await write.manager.query(
    'SELECT count(*)::int AS n FROM mailbox.emails WHERE account_id = $1 AND thread_id = $2',
    [write.accountId, email.threadId],
  );
  write.record('Email', email.id, 'destroyed');
  write.record('Thread', email.threadId, (left[0]?.n ?? 0) > 0 ? 'updated' : 'destroyed');
  recordMailboxes(write, email, null);
}

function recordMailboxes(write: AccountWrite, before: CountedEmail | null, after: CountedEmail | null): void {
  for (const mailboxId of mailboxesAffected(before, after)) write.record('Mailbox', mailboxId, 'updated');
}

function sameSet(a: Readonly<Record<string, boolean>>, b: Readonly<Record<string, boolean>>): boolean {
  const left = Object.keys(a).filter((key) => a[key]);
  const right = new Set(Object.keys(b).filter((key) => b[key]));
  return left.length === right.size && left.every((key) => right.has(key));
}

import { sql } from 'kysely';
import type { AccountWrite } from '../changes/account-write.js';
import { newEmailId, newThreadId } from '../ids/random-id.js';
import { mailboxDb, PreparedStatement, runQuery } from '../store/query-builder.js';
import { storable } from '../store/storable-text.js';
import { EMAIL_INSERT_COLUMNS, type EmailInsert, emailInsert, type NewEmail } from './email.js';
import { type CountedEmail, mailboxesAffected } from './mailbox-effects.js';

export interface InsertedEmail {
  id: string;
  threadId: string;
  blobId: string;
  size: number;
}

type InsertEmailValues = EmailInsert & {
  /** The thread the email starts when it joins none. */
  new_thread: string;
  /** The Message-IDs it replies to or references. */
  referenced: string[];
  /** INSERT_EMAIL_WITH_BLOB only: the raw message's type and bytes (its id is `blob_id`). */
  blob_type?: string;
  blob_data?: Buffer;
};

/**
 * The thread is found and the email stored in one round trip, as one named prepared statement: it
 * runs once for every delivered message. The same statement writes the Message-IDs the email names
 * (mailbox.thread_message_ids), which later messages find their thread by: every path that stores
 * an email (delivery, Email/import, Email/set create, the Sent copy of an automatic reply) goes
 * through here, and the rows go with the email when it is destroyed (ON DELETE CASCADE).
 */
function insertEmailStatement(
  name: string,
  /** With the raw message's blob written in the same statement (`blob_type`, `blob_data`). */
  withBlob: boolean,
) {
  return new PreparedStatement<InsertEmailValues, { id: string; thread_id: string }>(name, (slot) => {
    const email = mailboxDb.with('email', (db) =>
      db
        .insertInto('mailbox.emails')
        .values((eb) => ({
          ...(Object.fromEntries(
            EMAIL_INSERT_COLUMNS.map((column) => [column, slot(column)]),
          ) as EmailInsert),
          thread_id: eb.fn.coalesce(
            threadOf(slot('account_id'), slot('message_id'), slot('sort_subject'), slot('referenced')),
            eb.val(slot('new_thread')),
          ),
        }))
        .onConflict((conflict) => conflict.columns(['account_id', 'delivery_id']).doNothing())
        .returning(['id', 'account_id', 'thread_id']),
    );
    const named = (
      withBlob
        ? email.with('blob', (db) =>
            db
              .insertInto('mailbox.blobs')
              .values({
                account_id: slot('account_id'),
                id: slot('blob_id'),
                type: slot('blob_type') as string,
                size: slot('size'),
                data: slot('blob_data') as Buffer,
              })
              // The same message delivered again (another delivery id) is the same blob.
              .onConflict((conflict) =>
                conflict.columns(['account_id', 'id']).doUpdateSet({ created_at: sql`now()` }),
              ),
          )
        : email
    ).with('named_ids', (db) =>
      db
        .insertInto('mailbox.thread_message_ids')
        .columns(['account_id', 'message_id', 'is_reference', 'email_id'])
        .expression(
          db
            .selectFrom([
              'email',
              sql<{ message_id: string; is_reference: boolean }>`(
                SELECT ${slot('message_id')}::text AS message_id, false AS is_reference
                 WHERE ${slot('message_id')}::text IS NOT NULL
                UNION SELECT unnest(${slot('referenced')}::text[]), true)`.as('id'),
            ])
            .select(['email.account_id', 'id.message_id', 'id.is_reference', 'email.id']),
        ),
    );
    return named.selectFrom('email').select(['id', 'thread_id']);
  });
}

export const INSERT_EMAIL = insertEmailStatement('mailbox.insert-email', false);

/**
 * INSERT_EMAIL with the raw message's blob written in the same round trip: a delivery batch of one
 * message (every batch, at the rates a push waits on) stores in one statement what took two.
 */
export const INSERT_EMAIL_WITH_BLOB = insertEmailStatement('mailbox.insert-email-with-blob', true);

/**
 * The thread a message joins: that of the earliest stored message it replies to or references, or
 * that replies to or references it (its Message-ID, when it arrives after its answer), provided
 * the base subjects agree, so a reply that starts another topic starts another thread.
 *
 * Both are index probes into mailbox.thread_message_ids by the ids in question, and each email
 * found is read by its primary key, so the cost follows the number of emails that name those ids,
 * not the size of the account, whatever plan the prepared statement settles on. An aggregate rather
 * than ORDER BY ... LIMIT 1: with a LIMIT, a generic plan may walk the account's emails in arrival
 * order and stop at the first match, which for a message that joins no thread is all of them. The
 * emails are read in a LATERAL subquery with OFFSET 0, which PostgreSQL does not flatten into a
 * join: a generic plan could otherwise hash-join them with a scan of the account (docs/adr/0054).
 */
export function threadOf(
  accountId: string,
  messageId: string | null,
  subjectKey: string,
  referenced: string[],
) {
  return mailboxDb
    .selectFrom('mailbox.thread_message_ids as known')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('mailbox.emails as found')
          .select(['found.id', 'found.thread_id', 'found.received_at', 'found.sort_subject'])
          .whereRef('found.id', '=', 'known.email_id')
          .offset(sql.lit(0))
          .as('stored'),
      (join) => join.onTrue(),
    )
    .select(
      sql<string>`(array_agg(stored.thread_id ORDER BY stored.received_at, stored.id))[1]`.as('thread_id'),
    )
    .where('known.account_id', '=', accountId)
    .where(
      sql<boolean>`((NOT known.is_reference AND known.message_id = ANY(${referenced}::text[]))
        OR (known.is_reference AND known.message_id = ${messageId}::text))`,
    )
    .where(
      sql<boolean>`(${subjectKey}::text = '' OR stored.sort_subject = '' OR stored.sort_subject = ${subjectKey}::text)`,
    );
}

/** The values INSERT_EMAIL stores `email` with. */
export function insertEmailValues(
  email: NewEmail,
  stored: { id: string; newThread: string; accountId: string; modseq: number },
): InsertEmailValues {
  return {
    ...emailInsert(email, stored),
    new_thread: stored.newThread,
    referenced: storable([...(email.inReplyTo ?? []), ...(email.references ?? [])]),
  };
}

/**
 * Stores one email within `write` and records what it changed: the email, its thread, and the
 * counts of its mailboxes. Returns null when the same delivery was stored before.
 */
export async function insertEmail(
  write: AccountWrite,
  email: NewEmail,
  /** The raw message, when its blob (`email.blobId`) is not stored yet: it is written with the email. */
  blob?: { type: string; data: Buffer },
): Promise<InsertedEmail | null> {
  const newThread = newThreadId();
  const stored = { id: newEmailId(), newThread, accountId: write.accountId, modseq: write.modseq };
  const values = insertEmailValues(email, stored);
  const [row] = blob
    ? await INSERT_EMAIL_WITH_BLOB.run(write.manager, {
        ...values,
        blob_type: blob.type,
        blob_data: blob.data,
      })
    : await INSERT_EMAIL.run(write.manager, values);
  if (row === undefined) return null;
  write.record('Email', row.id, 'created');
  write.record('Thread', row.thread_id, row.thread_id === newThread ? 'created' : 'updated');
  recordMailboxes(write, null, email);
  return { id: row.id, threadId: row.thread_id, blobId: email.blobId, size: email.size };
}

export interface EmailState extends CountedEmail {
  id: string;
  threadId: string;
}

/**
 * Locks and reads the emails a /set is about to change, under the account's lock and in id order;
 * missing ids are simply absent.
 */
export async function lockEmails(
  write: AccountWrite,
  ids: readonly string[],
): Promise<Map<string, EmailState>> {
  if (ids.length === 0) return new Map();
  const rows = await runQuery(
    write.manager,
    mailboxDb
      .selectFrom('mailbox.emails')
      .select(['id', 'thread_id', 'mailbox_ids', 'keywords'])
      .where('account_id', '=', write.accountId)
      .where('id', '=', sql<string>`ANY(${[...new Set(ids)]}::text[])`)
      // In id order, as the fill of stored parts writes them (EmailMethods.fillStoredBodies).
      .orderBy(sql`id COLLATE "C"`)
      .forUpdate(),
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        threadId: row.thread_id,
        mailboxIds: row.mailbox_ids as EmailState['mailboxIds'],
        keywords: row.keywords as EmailState['keywords'],
      },
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
  await runQuery(
    write.manager,
    mailboxDb
      .updateTable('mailbox.emails')
      .set({
        mailbox_ids: JSON.stringify(after.mailboxIds),
        keywords: JSON.stringify(after.keywords),
        updated_modseq: write.modseq,
      })
      .where('account_id', '=', write.accountId)
      .where('id', '=', before.id),
  );
  write.record('Email', before.id, 'updated');
  recordMailboxes(write, before, after);
  return true;
}

/** Deletes an email; its thread is updated, or destroyed with its last email. */
export async function destroyEmail(write: AccountWrite, email: EmailState): Promise<void> {
  await runQuery(
    write.manager,
    mailboxDb
      .deleteFrom('mailbox.emails')
      .where('account_id', '=', write.accountId)
      .where('id', '=', email.id),
  );
  const [left] = await runQuery(
    write.manager,
    mailboxDb
      .selectFrom('mailbox.emails')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('account_id', '=', write.accountId)
      .where('thread_id', '=', email.threadId),
  );
  write.record('Email', email.id, 'destroyed');
  write.record('Thread', email.threadId, Number(left?.n ?? 0) > 0 ? 'updated' : 'destroyed');
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

import { randomBytes, randomUUID } from 'node:crypto';
import { envelopeAddress, mailSubmittedV2, NULL_REVERSE_PATH } from '@pushmail/contracts';
import { DISABLED_VACATION } from '@pushmail/jmap';
import type { EntityManager } from 'typeorm';
import type { BlobStore } from '../blobs/blob-store.service.js';
import type { AccountWrite } from '../changes/account-write.js';
import { newEmail } from '../emails/email.js';
import { insertEmail } from '../emails/email-store.js';
import { defaultIdentityId } from '../identities/identity.js';
import type { RawHeader } from '../mime/body-structure.js';
import { composeMessage } from '../mime/compose-message.js';
import { storedBody } from '../mime/email-body.js';
import { parseMessage } from '../mime/parse-message.js';
import type { Envelope } from '../submissions/envelope.js';
import type { DeliveryStatus } from '../submissions/submission.js';
import { addToSubmissionOutbox } from '../submissions/submission-outbox.js';
import {
  autoReplyRefusal,
  autoReplySubject,
  isVacationActive,
  VACATION_REPLY_PERIOD_DAYS,
  type VacationResponse,
} from './vacation-response.js';

interface VacationRow {
  is_enabled: boolean | null;
  from_date: Date | null;
  to_date: Date | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  state: string | null;
}

/**
 * The account's VacationResponse and its state (the modseq of its last change, kept with the
 * account's other states); the disabled default, state 0, when never set.
 */
export async function loadVacation(
  manager: EntityManager,
  accountId: string,
): Promise<{ vacation: VacationResponse; state: string }> {
  const rows: VacationRow[] = await manager.query(
    `SELECT v.is_enabled, v.from_date, v.to_date, v.subject, v.text_body, v.html_body,
            s.vacation_modseq::text AS state
       FROM (SELECT $1::uuid AS account_id) AS a
       LEFT JOIN mailbox.account_state s ON s.account_id = a.account_id
       LEFT JOIN mailbox.vacation_responses v ON v.account_id = a.account_id`,
    [accountId],
  );
  const row = rows[0]!;
  const state = row.state ?? '0';
  if (row.is_enabled === null) return { vacation: DISABLED_VACATION, state };
  return {
    vacation: {
      isEnabled: row.is_enabled,
      fromDate: row.from_date,
      toDate: row.to_date,
      subject: row.subject,
      textBody: row.text_body,
      htmlBody: row.html_body,
    },
    state,
  };
}

/**
 * Stores the account's VacationResponse, in the change transaction of its account (`write`), which
 * moves the VacationResponse state and is announced like any other change.
 */
export async function saveVacation(write: AccountWrite, vacation: VacationResponse): Promise<void> {
  await write.manager.query(
    `INSERT INTO mailbox.vacation_responses AS v
       (account_id, is_enabled, from_date, to_date, subject, text_body, html_body)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (account_id) DO UPDATE SET
       is_enabled = EXCLUDED.is_enabled, from_date = EXCLUDED.from_date, to_date = EXCLUDED.to_date,
       subject = EXCLUDED.subject, text_body = EXCLUDED.text_body, html_body = EXCLUDED.html_body`,
    [
      write.accountId,
      vacation.isEnabled,
      vacation.fromDate,
      vacation.toDate,
      vacation.subject,
      vacation.textBody,
      vacation.htmlBody,
    ],
  );
  write.markVacationChange();
}

/** What the store knows of a message that has just arrived for an account. */
export interface ArrivedMessage {
  accountId: string;
  emailId: string;
  receivedAt: Date;
  envelope: { mailFrom: string; rcptTo: string };
  /** Read only when the account is on vacation. */
  headers: () => readonly RawHeader[];
  subject: string | null;
  messageId: string | null;
  references: string[] | null;
}

/** Where a reply is kept: the account's blobs and its Sent mailbox (none: the reply is only sent). */
export interface ReplyFiling {
  blobs: Pick<BlobStore, 'put'>;
  sentMailboxId: string | undefined;
}

/** Auto-reply submissions' ids start so (device submissions' with `S`). */
export const AUTO_REPLY_ID_PREFIX = 'V';

/**
 * Inside the transaction that stores `message` (`write`, of the same account): while the account's
 * VacationResponse is active, answers its sender through the submission outbox (outbound sends it
 * as it sends any submission), at most once per sender in VACATION_REPLY_PERIOD_DAYS and never
 * where RFC 3834 says not to. The reply is kept as a device's sent mail is: an email in Sent with
 * `$seen`, and an EmailSubmission whose `deliveryStatus` follows the delivery. Returns whether a
 * reply was queued.
 */
export async function replyIfOnVacation(
  write: AccountWrite,
  filing: ReplyFiling,
  message: ArrivedMessage,
): Promise<boolean> {
  const { manager } = write;
  const { vacation } = await loadVacation(manager, message.accountId);
  if (!isVacationActive(vacation, message.receivedAt)) return false;
  const accountAddress = message.envelope.rcptTo;
  if (autoReplyRefusal(message.headers(), message.envelope.mailFrom, accountAddress) !== null) return false;
  // An address outbound would refuse is no one to answer (and must not fail the delivery).
  if (!envelopeAddress.safeParse(message.envelope.mailFrom).success) return false;
  if (!envelopeAddress.safeParse(accountAddress).success) return false;

  let reply: Buffer;
  try {
    const raw = await composeMessage(
      {
        from: [{ name: null, email: accountAddress }],
        sender: null,
        to: [{ name: null, email: message.envelope.mailFrom }],
        cc: null,
        bcc: null,
        replyTo: null,
        subject: autoReplySubject(vacation, message.subject),
        sentAt: message.receivedAt,
        messageId: null,
        inReplyTo: message.messageId ? [message.messageId] : null,
        references: message.messageId ? [...(message.references ?? []), message.messageId].slice(-100) : null,
        textBody: vacation.textBody ?? (vacation.htmlBody === null ? '' : null),
        htmlBody: vacation.htmlBody,
        attachments: [],
      },
      message.receivedAt,
    );
    // RFC 3834 §3.1.7: the reply says it is one, so that the other side's responder stays silent.
    reply = Buffer.concat([Buffer.from('Auto-Submitted: auto-replied\r\n'), raw]);
  } catch {
    return false;
  }

  // One row per sender: a reply is due when there is none, or the last is a period old.
  const due: unknown[] = await manager.query(
    `INSERT INTO mailbox.vacation_replies AS r (account_id, sender, replied_at) VALUES ($1, $2, $3)
     ON CONFLICT (account_id, sender) DO UPDATE SET replied_at = EXCLUDED.replied_at
       WHERE r.replied_at <= EXCLUDED.replied_at - make_interval(days => $4)
     RETURNING 1`,
    [
      message.accountId,
      message.envelope.mailFrom.toLowerCase(),
      message.receivedAt,
      VACATION_REPLY_PERIOD_DAYS,
    ],
  );
  if (due.length === 0) return false;
  const submissionId = `${AUTO_REPLY_ID_PREFIX}${randomBytes(12).toString('hex')}`;
  const sent = await fileInSent(write, filing, submissionId, reply, message.receivedAt);
  const rcptTo = [message.envelope.mailFrom];
  if (sent !== undefined) {
    const envelope: Envelope = {
      mailFrom: { email: NULL_REVERSE_PATH, parameters: null },
      rcptTo: rcptTo.map((email) => ({ email, parameters: null })),
    };
    const deliveryStatus: Record<string, DeliveryStatus> = Object.fromEntries(
      rcptTo.map((rcpt) => [rcpt, { smtpReply: '', delivered: 'queued', displayed: 'unknown' }]),
    );
    await manager.query(
      `INSERT INTO mailbox.email_submissions
         (id, account_id, identity_id, email_id, thread_id, envelope, send_at, undo_status, delivery_status,
          created_modseq, updated_modseq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'final', $8, $9, $9)`,
      [
        submissionId,
        write.accountId,
        defaultIdentityId(write.accountId),
        sent.id,
        sent.threadId,
        JSON.stringify(envelope),
        message.receivedAt,
        JSON.stringify(deliveryStatus),
        write.modseq,
      ],
    );
    write.record('EmailSubmission', submissionId, 'created');
  }
  await addToSubmissionOutbox(
    manager,
    mailSubmittedV2.parse({
      eventId: randomUUID(),
      accountId: message.accountId,
      submissionId,
      emailId: sent?.id ?? message.emailId,
      submittedAt: message.receivedAt.toISOString(),
      // RFC 3834 §3.3: the null reverse-path, so that a bounce of the reply is never sent (no loop).
      envelope: { mailFrom: NULL_REVERSE_PATH, rcptTo },
      sizeBytes: reply.length,
      rawBase64: reply.toString('base64'),
    }),
  );
  return true;
}

/** The reply as sent mail: its bytes as a blob, and an email in Sent, read. */
async function fileInSent(
  write: AccountWrite,
  filing: ReplyFiling,
  submissionId: string,
  reply: Buffer,
  sentAt: Date,
): Promise<{ id: string; threadId: string } | undefined> {
  if (filing.sentMailboxId === undefined) return undefined;
  const blob = await filing.blobs.put(write.accountId, reply, 'message/rfc822', write.manager);
  const inserted = await insertEmail(
    write,
    newEmail(await parseMessage(reply), {
      deliveryId: `vacation:${submissionId}`,
      blobId: blob.blobId,
      size: blob.size,
      receivedAt: sentAt,
      mailboxIds: { [filing.sentMailboxId]: true },
      keywords: { $seen: true },
      body: storedBody(reply),
    }),
  );
  return inserted ?? undefined;
}

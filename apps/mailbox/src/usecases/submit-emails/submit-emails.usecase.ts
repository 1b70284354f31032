import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { mailSubmittedV2, type MailSubmittedV2 } from '@pushmail/contracts';
import { DEFAULT_CORE_LIMITS, type SetError, setError } from '@pushmail/jmap';
import { CONFIG } from '@pushmail/platform';
import { BlobStore } from '../../blobs/blob-store.service.js';
import type { AccountWrite } from '../../changes/account-write.js';
import type { EmailAddressValue } from '../../emails/email.js';
import { lockEmails, updateEmail } from '../../emails/email-store.js';
import type { MailboxConfig } from '../../config/mailbox-config.js';
import { listIdentities } from '../../identities/identity-store.js';
import { sameAddress } from '../../identities/identity.js';
import {
  invalidArguments,
  optionalStringList,
  requireAccountId,
  setArguments,
} from '../../jmap/methods/arguments.js';
import { DeviceChanges, SetResults } from '../../jmap/methods/device-change.js';
import type { IdentityContext } from '../../jmap/methods/identity.methods.js';
import { withoutBcc } from '../../mime/without-bcc.js';
import { type Envelope, envelopeOf } from '../../submissions/envelope.js';
import { releaseTimeOf } from '../../submissions/future-release.js';
import type { DeliveryStatus } from '../../submissions/submission.js';
import { SubmissionOutbox } from '../../submissions/submission-outbox.js';
import { AUTO_REPLY_ID_PREFIX } from '../../vacation/vacation-store.js';
import { SetEmailsUseCase } from '../set-emails/set-emails.usecase.js';

interface SubmittedEmail {
  id: string;
  thread_id: string;
  blob_id: string;
  size: number;
  from: EmailAddressValue[] | null;
  sender: EmailAddressValue[] | null;
  to: EmailAddressValue[] | null;
  cc: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
}

interface Created {
  id: string;
  threadId: string;
  sendAt: string;
  undoStatus: 'pending' | 'final';
  /** When the client gave none: the envelope the server derived is a default it set (RFC 8620 §5.3). */
  envelope?: Envelope;
}

/**
 * EmailSubmission/set (RFC 8621 §7.5). A created submission is stored, its email moved to Sent and
 * marked `$seen`, and its mail-submitted event written to the outbox, in one transaction; the event
 * is published after the commit (and repeated until Kafka has it), so an accepted submission is never
 * lost. Only the account's own address sends, within its hourly and per-message limits. With
 * `SUBMISSION_DELAY_SECONDS`, or a send time the client chose (FUTURERELEASE's HOLDFOR/HOLDUNTIL on
 * MAIL FROM, up to `SUBMISSION_MAX_HOLD_SECONDS`), a submission stays `pending` until then (its event
 * held in the outbox, see releaseDueSubmissions) and may be canceled meanwhile; otherwise it is
 * `final` at once.
 */
@Injectable()
export class SubmitEmailsUseCase {
  constructor(
    @Inject(CONFIG) private readonly config: MailboxConfig,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(DeviceChanges) private readonly changes: DeviceChanges,
    @Inject(SubmissionOutbox) private readonly outbox: SubmissionOutbox,
    @Inject(SetEmailsUseCase) private readonly setEmails: SetEmailsUseCase,
  ) {}

  async execute(args: Record<string, unknown>, context: IdentityContext): Promise<Record<string, unknown>> {
    const { accountId, address } = context;
    requireAccountId(args);
    const { ifInState, create, update, destroy } = setArguments(args, DEFAULT_CORE_LIMITS.maxObjectsInSet);
    const onSuccessUpdate = onSuccessUpdateArgument(args);
    const onSuccessDestroy = optionalStringList(args, 'onSuccessDestroyEmail') ?? [];
    let results = new SetResults<Created>();
    const submitted: string[] = [];
    const emailOfSubmission = new Map<string, string>();

    const change = await this.changes.apply(
      accountId,
      'EmailSubmission',
      ifInState,
      async (write) => {
        // The transaction may run again (AccountChanges.write): only the last attempt's outcome counts.
        results = new SetResults<Created>();
        submitted.length = 0;
        emailOfSubmission.clear();
        const identities = new Map(
          (await listIdentities(write.manager, accountId)).map((identity) => [identity.id, identity]),
        );
        let sentLastHour = await this.sentInLastHour(write);
        for (const [creationId, value] of Object.entries(create)) {
          const outcome = await this.createOne(
            write,
            value,
            identities,
            address,
            sentLastHour,
            context.createdIds,
          );
          if ('error' in outcome) {
            results.notCreated[creationId] = outcome.error;
            continue;
          }
          sentLastHour += 1;
          results.created[creationId] = outcome.created;
          context.createdIds.set(creationId, outcome.created.id);
          if (outcome.created.undoStatus === 'final') submitted.push(outcome.created.id);
          emailOfSubmission.set(outcome.created.id, outcome.emailId);
        }

        for (const [id, patch] of Object.entries(update)) {
          const rows: Array<{ id: string; email_id: string; undo_status: string }> =
            await write.manager.query(
              `SELECT id, email_id, undo_status FROM mailbox.email_submissions
              WHERE id = $1 AND account_id = $2 FOR UPDATE`,
              [id, accountId],
            );
          const row = rows[0];
          if (!row) {
            results.notUpdated[id] = setError('notFound');
            continue;
          }
          const keys = typeof patch === 'object' && patch !== null ? Object.keys(patch) : [];
          const undoStatus = (patch as Record<string, unknown> | null)?.['undoStatus'];
          if (keys.length !== 1 || keys[0] !== 'undoStatus' || undoStatus !== 'canceled') {
            results.notUpdated[id] = setError(
              'invalidProperties',
              'only undoStatus may change, to "canceled"',
              {
                properties: keys.filter((key) => key !== 'undoStatus').slice(0, 10),
              },
            );
            continue;
          }
          if (row.undo_status === 'final')
            results.notUpdated[id] = setError('cannotUnsend', 'the message has already been sent');
          else {
            if (row.undo_status === 'pending') await cancelPending(write, id, row.email_id);
            results.updated[id] = null;
          }
        }

        for (const id of destroy) {
          const deleted: Array<{ id: string }> = await write.manager.query(
            'DELETE FROM mailbox.email_submissions WHERE id = $1 AND account_id = $2 RETURNING id',
            [id, accountId],
          );
          if (deleted.length === 0) results.notDestroyed[id] = setError('notFound');
          else {
            write.record('EmailSubmission', id, 'destroyed');
            results.destroyed.push(id);
          }
        }
      },
      () => 'update',
    );

    // Durable now: hand the submissions to Kafka (or leave them to the outbox's sweep).
    await this.outbox.publish(submitted);
    const answer = results.answer(accountId, change);
    await this.onSuccess(results.created, emailOfSubmission, onSuccessUpdate, onSuccessDestroy, context);
    return answer;
  }

  private async createOne(
    write: AccountWrite,
    value: unknown,
    identities: Map<string, { email: string }>,
    address: string | undefined,
    sentLastHour: number,
    createdIds: Map<string, string>,
  ): Promise<{ created: Created; emailId: string } | { error: SetError }> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: setError('invalidProperties', 'a submission must be an object') };
    const input = value as Record<string, unknown>;
    for (const property of ['id', 'threadId', 'sendAt', 'deliveryStatus', 'dsnBlobIds', 'mdnBlobIds']) {
      if (property in input)
        return {
          error: setError('invalidProperties', `"${property}" is set by the server`, {
            properties: [property],
          }),
        };
    }
    const { identityId, emailId: rawEmailId } = input;
    if (typeof identityId !== 'string' || typeof rawEmailId !== 'string')
      return {
        error: setError('invalidProperties', '"identityId" and "emailId" are required', {
          properties: ['identityId', 'emailId'].filter((key) => typeof input[key] !== 'string'),
        }),
      };
    const identityKey = identityId.startsWith('#')
      ? (createdIds.get(identityId.slice(1)) ?? identityId)
      : identityId;
    const identity = identities.get(identityKey);
    if (!identity)
      return { error: setError('invalidProperties', 'no such identity', { properties: ['identityId'] }) };
    if (address === undefined)
      return {
        error: setError(
          'forbiddenToSend',
          "this account's address is not known here; sending is unavailable",
        ),
      };
    if (!sameAddress(identity.email, address))
      return { error: setError('forbiddenFrom', 'the identity is not an address this account owns now') };

    const emailId = rawEmailId.startsWith('#')
      ? (createdIds.get(rawEmailId.slice(1)) ?? rawEmailId)
      : rawEmailId;
    const emails: SubmittedEmail[] = await write.manager.query(
      `SELECT id, thread_id, blob_id, size, "from", sender, "to", cc, bcc
         FROM mailbox.emails WHERE id = $1 AND account_id = $2`,
      [emailId, write.accountId],
    );
    const email = emails[0];
    if (!email) return { error: setError('emailNotFound', 'no such email', { properties: ['emailId'] }) };
    if (email.size > this.config.SUBMISSION_MAX_BYTES)
      return {
        error: setError(
          'tooLarge',
          `messages of at most ${this.config.SUBMISSION_MAX_BYTES} bytes are sent`,
          {
            maxSize: this.config.SUBMISSION_MAX_BYTES,
          },
        ),
      };

    const envelope = envelopeOf(input['envelope'], email, identity.email, {
      maxRecipients: this.config.SUBMISSION_MAX_RECIPIENTS,
    });
    if (!envelope.ok) return { error: envelope.error };
    // A client-chosen send time (FUTURERELEASE), or the undo window, whichever is later.
    const now = new Date();
    const release = releaseTimeOf(
      envelope.envelope.mailFrom.parameters,
      now,
      this.config.SUBMISSION_MAX_HOLD_SECONDS,
    );
    if (!release.ok) return { error: release.error };
    const sendAt = new Date(
      Math.max(release.releaseAt.getTime(), now.getTime() + this.config.SUBMISSION_DELAY_SECONDS * 1000),
    );
    const undoStatus = sendAt > now ? 'pending' : 'final';
    if (input['undoStatus'] !== undefined && input['undoStatus'] !== undoStatus)
      return {
        error: setError('invalidProperties', `undoStatus is set by the server, here "${undoStatus}"`, {
          properties: ['undoStatus'],
        }),
      };
    if (sentLastHour >= this.config.SUBMISSION_MAX_PER_HOUR)
      return {
        error: setError(
          'forbiddenToSend',
          `this account has sent ${this.config.SUBMISSION_MAX_PER_HOUR} messages in the last hour, its limit; try later`,
        ),
      };

    const blob = await this.blobs.get(write.accountId, email.blob_id, write.manager);
    if (!blob) throw new Error(`the message of email ${email.id} is missing`);
    const id = `S${randomBytes(12).toString('hex')}`;
    const deliveryStatus: Record<string, DeliveryStatus> = Object.fromEntries(
      envelope.envelope.rcptTo.map((rcpt) => [
        rcpt.email,
        { smtpReply: '', delivered: 'queued', displayed: 'unknown' } satisfies DeliveryStatus,
      ]),
    );
    const raw = withoutBcc(blob.data);
    const event: MailSubmittedV2 = mailSubmittedV2.parse({
      eventId: randomUUID(),
      accountId: write.accountId,
      submissionId: id,
      emailId: email.id,
      submittedAt: sendAt.toISOString(),
      envelope: {
        mailFrom: envelope.envelope.mailFrom.email,
        rcptTo: envelope.envelope.rcptTo.map((rcpt) => rcpt.email),
      },
      sizeBytes: raw.length,
      rawBase64: raw.toString('base64'),
    });
    await write.manager.query(
      `INSERT INTO mailbox.email_submissions
         (id, account_id, identity_id, email_id, thread_id, envelope, send_at, undo_status, delivery_status,
          created_modseq, updated_modseq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $10, $8, $9, $9)`,
      [
        id,
        write.accountId,
        identityKey,
        email.id,
        email.thread_id,
        JSON.stringify(envelope.envelope),
        sendAt,
        JSON.stringify(deliveryStatus),
        write.modseq,
        undoStatus,
      ],
    );
    write.record('EmailSubmission', id, 'created');
    await this.fileAsSent(write, email.id);
    await this.outbox.add(write.manager, event);
    return {
      created: {
        id,
        threadId: email.thread_id,
        sendAt: sendAt.toISOString(),
        undoStatus,
        ...(input['envelope'] === undefined || input['envelope'] === null
          ? { envelope: envelope.envelope }
          : {}),
      },
      emailId: email.id,
    };
  }

  /** The sent message lives in Sent, read, no longer a draft. */
  private async fileAsSent(write: AccountWrite, emailId: string): Promise<void> {
    const { sent, drafts } = await sentAndDrafts(write);
    const current = (await lockEmails(write, [emailId])).get(emailId);
    if (!current || sent === undefined) return;
    const mailboxIds: Record<string, boolean> = { ...current.mailboxIds, [sent]: true };
    if (drafts !== undefined) delete mailboxIds[drafts];
    const keywords: Record<string, boolean> = { ...current.keywords, $seen: true };
    delete keywords['$draft'];
    await updateEmail(write, current, { mailboxIds, keywords });
  }

  /** What the account's devices sent; its automatic replies do not use up their limit. */
  private async sentInLastHour(write: AccountWrite): Promise<number> {
    const rows: Array<{ sent: number }> = await write.manager.query(
      `SELECT count(*)::int AS sent FROM mailbox.email_submissions
        WHERE account_id = $1 AND send_at > now() - interval '1 hour' AND undo_status <> 'canceled'
          AND NOT starts_with(id, $2)`,
      [write.accountId, AUTO_REPLY_ID_PREFIX],
    );
    return rows[0]?.sent ?? 0;
  }

  /**
   * onSuccessUpdateEmail / onSuccessDestroyEmail: one implicit Email/set over the emails of the
   * submissions created, its response right after this one (RFC 8621 §7.5).
   */
  private async onSuccess(
    created: Record<string, Created>,
    emailOfSubmission: Map<string, string>,
    onSuccessUpdate: Record<string, unknown>,
    onSuccessDestroy: string[],
    context: IdentityContext,
  ): Promise<void> {
    const emailOf = (key: string): string | undefined => {
      const submissionId = key.startsWith('#') ? created[key.slice(1)]?.id : key;
      return submissionId === undefined ? undefined : emailOfSubmission.get(submissionId);
    };
    const update: Record<string, unknown> = {};
    for (const [key, patch] of Object.entries(onSuccessUpdate)) {
      const emailId = emailOf(key);
      if (emailId !== undefined) update[emailId] = patch;
    }
    const destroy = onSuccessDestroy.flatMap((key) => {
      const emailId = emailOf(key);
      return emailId === undefined ? [] : [emailId];
    });
    if (Object.keys(update).length === 0 && destroy.length === 0) return;
    const answer = await this.setEmails.execute({ accountId: context.accountId, update, destroy }, context);
    context.followUps?.push(['Email/set', answer]);
  }
}

async function sentAndDrafts(write: AccountWrite): Promise<{ sent?: string; drafts?: string }> {
  const roles: Array<{ id: string; role: string }> = await write.manager.query(
    `SELECT id, role FROM mailbox.mailboxes WHERE account_id = $1 AND role IN ('sent', 'drafts')`,
    [write.accountId],
  );
  return {
    sent: roles.find((row) => row.role === 'sent')?.id,
    drafts: roles.find((row) => row.role === 'drafts')?.id,
  };
}

/**
 * A pending submission canceled: its event leaves the outbox unsent, and its email goes back to
 * Drafts as a draft, where the device can edit it and send it again.
 */
async function cancelPending(write: AccountWrite, submissionId: string, emailId: string): Promise<void> {
  await write.manager.query('DELETE FROM mailbox.submission_outbox WHERE submission_id = $1', [submissionId]);
  await write.manager.query(
    `UPDATE mailbox.email_submissions SET undo_status = 'canceled', updated_modseq = $3
      WHERE id = $1 AND account_id = $2`,
    [submissionId, write.accountId, write.modseq],
  );
  write.record('EmailSubmission', submissionId, 'updated');
  const { sent, drafts } = await sentAndDrafts(write);
  const current = (await lockEmails(write, [emailId])).get(emailId);
  if (!current || drafts === undefined) return;
  const mailboxIds: Record<string, boolean> = { ...current.mailboxIds, [drafts]: true };
  if (sent !== undefined) delete mailboxIds[sent];
  await updateEmail(write, current, { mailboxIds, keywords: { ...current.keywords, $draft: true } });
}

function onSuccessUpdateArgument(args: Record<string, unknown>): Record<string, unknown> {
  const value = args['onSuccessUpdateEmail'];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidArguments('"onSuccessUpdateEmail" must be null or a map');
  return value as Record<string, unknown>;
}

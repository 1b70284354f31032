import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext, type SetError, setError } from '@pushmail/jmap';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '@pushmail/platform';
import { BlobStore } from '../../blobs/blob-store.service.js';
import { AccountWrite } from '../../changes/account-write.js';
import { newEmail } from '../../emails/email.js';
import {
  destroyEmail,
  type EmailState,
  type InsertedEmail,
  insertEmail,
  lockEmails,
  updateEmail,
} from '../../emails/email-store.js';
import { applyEmailPatch } from '../../jmap/methods/email-patch.js';
import { assertInState, orNull, requireAccountId, setArguments } from '../../jmap/methods/arguments.js';
import { resolveCreationId } from '../../jmap/methods/email.methods.js';
import { mailboxIdsOf } from '../../mailboxes/mailbox-store.js';
import { composeMessage } from '../../mime/compose-message.js';
import { parseMessage } from '../../mime/parse-message.js';
import { MailboxChangesPublisher } from '../../publishing/mailbox-changes.publisher.js';
import { type DraftInput, readDraft } from './draft-input.js';

/**
 * Email/set (RFC 8621 §4.6): creates drafts, changes keywords and mailboxes (whole or by patch), and
 * destroys emails, all in one transaction of the account. Every change goes through the change log
 * like a delivery and is announced on the mailbox-changed topic, so the account's other devices
 * are pushed a StateChange.
 */
@Injectable()
export class SetEmailsUseCase {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(MailboxChangesPublisher) private readonly publisher: MailboxChangesPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    requireAccountId(args);
    const { ifInState, create, update, destroy } = setArguments(args, DEFAULT_CORE_LIMITS.maxObjectsInSet);
    const resolve = (id: string) => resolveCreationId(id, context);

    const created: Record<string, InsertedEmail> = {};
    const notCreated: Record<string, SetError> = {};
    const updated: Record<string, null> = {};
    const notUpdated: Record<string, SetError> = {};
    const destroyed: string[] = [];
    const notDestroyed: Record<string, SetError> = {};

    const outcome = await this.dataSource.transaction(async (manager) => {
      const write = await AccountWrite.open(manager, accountId);
      assertInState('Email', write.before.emailModseq, ifInState);
      const mailboxes = await mailboxIdsOf(manager, accountId);
      const resolveMailbox = (id: string): string | undefined => {
        const resolved = resolve(id);
        return mailboxes.has(resolved) ? resolved : undefined;
      };

      for (const [creationId, value] of Object.entries(create)) {
        const draft = readDraft(value, resolveMailbox);
        if (!draft.ok) {
          notCreated[creationId] = draft.error;
          continue;
        }
        const result = await this.createDraft(write, draft.draft);
        if ('error' in result) {
          notCreated[creationId] = result.error;
          continue;
        }
        created[creationId] = result;
        context.createdIds.set(creationId, result.id);
      }

      const destroyIds = new Set(destroy.map(resolve));
      const locked = await lockEmails(write, [...Object.keys(update).map(resolve), ...destroyIds]);
      for (const [rawId, patch] of Object.entries(update)) {
        const id = resolve(rawId);
        const current = locked.get(id);
        if (!current) {
          notUpdated[rawId] = setError('notFound');
          continue;
        }
        if (destroyIds.has(id)) {
          notUpdated[rawId] = setError('willDestroy', 'this email is destroyed in the same call');
          continue;
        }
        const patched = applyEmailPatch(current, patch, (mailboxId) => resolveMailbox(mailboxId));
        if (!patched.ok) {
          notUpdated[rawId] = patched.error;
          continue;
        }
        await updateEmail(write, current, patched.email);
        locked.set(id, { ...current, ...patched.email } satisfies EmailState);
        updated[id] = null;
      }

      for (const rawId of destroy) {
        const id = resolve(rawId);
        const current = locked.get(id);
        if (!current) {
          notDestroyed[rawId] = setError('notFound');
          continue;
        }
        await destroyEmail(write, current);
        locked.delete(id);
        destroyed.push(id);
      }

      const after = await write.commit();
      return { before: write.before.emailModseq, after: after.emailModseq, changed: after !== write.before };
    });

    if (outcome.changed) await this.announce(accountId, destroyed.length > 0 ? 'destroy' : 'update');
    return {
      accountId,
      oldState: String(outcome.before),
      newState: String(outcome.after),
      created: orNull(created),
      updated: orNull(updated),
      destroyed: destroyed.length === 0 ? null : destroyed,
      notCreated: orNull(notCreated),
      notUpdated: orNull(notUpdated),
      notDestroyed: orNull(notDestroyed),
    };
  }

  private async createDraft(
    write: AccountWrite,
    draft: DraftInput,
  ): Promise<InsertedEmail | { error: SetError }> {
    const attachments = [];
    const missing: string[] = [];
    for (const attachment of draft.attachments) {
      const blob = await this.blobs.get(write.accountId, attachment.blobId, write.manager);
      if (!blob) missing.push(attachment.blobId);
      else attachments.push({ ...attachment, data: blob.data });
    }
    if (missing.length > 0)
      return { error: setError('blobNotFound', 'attachments name unknown blobs', { notFound: missing }) };

    const raw = await composeMessage({ ...draft, attachments });
    const blob = await this.blobs.put(write.accountId, raw, 'message/rfc822', write.manager);
    const inserted = await insertEmail(
      write,
      newEmail(await parseMessage(raw), {
        deliveryId: `draft:${randomUUID()}`,
        blobId: blob.blobId,
        size: blob.size,
        receivedAt: draft.receivedAt ?? new Date(),
        mailboxIds: draft.mailboxIds,
        keywords: draft.keywords,
      }),
    );
    if (!inserted) throw new Error('a fresh draft id collided with a stored delivery');
    return inserted;
  }

  /** The change is durable; a failed announcement is repeated by the sweeper, not reported to the device. */
  private async announce(accountId: string, cause: 'update' | 'destroy'): Promise<void> {
    try {
      await this.publisher.publishPending([accountId], cause);
    } catch (error) {
      this.logger.warn({ err: error, accountId }, 'announcing a device change failed; it will be repeated');
    }
  }
}

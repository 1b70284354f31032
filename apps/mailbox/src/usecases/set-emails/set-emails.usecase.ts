import { Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext, type SetError, setError } from '@pushmail/jmap';
import type { AccountWrite } from '../../changes/account-write.js';
import {
  destroyEmail,
  type EmailState,
  type InsertedEmail,
  lockEmails,
  updateEmail,
} from '../../emails/email-store.js';
import { EmailWrites } from '../../emails/email-writes.js';
import { applyEmailPatch } from '../../jmap/methods/email-patch.js';
import { setArguments } from '../../jmap/methods/arguments.js';
import { resolveCreationId } from '../../jmap/methods/email.methods.js';
import { composeMessage } from '../../mime/compose-message.js';
import { type ComposablePart, composeStructure } from '../../mime/compose-structure.js';
import { type DraftInput, readDraft } from './draft-input.js';
import { type DraftPart, draftBlobIds, MAX_ATTACHMENTS_BYTES } from './draft-structure.js';

/**
 * Email/set (RFC 8621 §4.6): creates drafts, changes keywords and mailboxes (whole or by patch), and
 * destroys emails, all in one device change of the account (see DeviceChanges).
 */
@Injectable()
export class SetEmailsUseCase extends EmailWrites {
  async execute(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const { ifInState, create, update, destroy } = setArguments(args, DEFAULT_CORE_LIMITS.maxObjectsInSet);
    const resolve = (id: string) => resolveCreationId(id, context);
    const { change, results } = await this.writeEmails(
      context,
      ifInState,
      async (write, results, resolveMailbox) => {
        for (const [creationId, value] of Object.entries(create)) {
          const draft = readDraft(value, resolveMailbox);
          if (!draft.ok) {
            results.notCreated[creationId] = draft.error;
            continue;
          }
          const result = await this.createDraft(write, draft.draft);
          if ('error' in result) {
            results.notCreated[creationId] = result.error;
            continue;
          }
          results.created[creationId] = result;
          context.createdIds.set(creationId, result.id);
        }

        const destroyIds = new Set(destroy.map(resolve));
        const locked = await lockEmails(write, [...Object.keys(update).map(resolve), ...destroyIds]);
        for (const [rawId, patch] of Object.entries(update)) {
          const id = resolve(rawId);
          const current = locked.get(id);
          if (!current) {
            results.notUpdated[rawId] = setError('notFound');
            continue;
          }
          if (destroyIds.has(id)) {
            results.notUpdated[rawId] = setError('willDestroy', 'this email is destroyed in the same call');
            continue;
          }
          const patched = applyEmailPatch(current, patch, (mailboxId) => resolveMailbox(mailboxId));
          if (!patched.ok) {
            results.notUpdated[rawId] = patched.error;
            continue;
          }
          await updateEmail(write, current, patched.email);
          locked.set(id, { ...current, ...patched.email } satisfies EmailState);
          results.updated[id] = null;
        }

        for (const rawId of destroy) {
          const id = resolve(rawId);
          const current = locked.get(id);
          if (!current) {
            results.notDestroyed[rawId] = setError('notFound');
            continue;
          }
          await destroyEmail(write, current);
          locked.delete(id);
          results.destroyed.push(id);
        }
      },
      (results) => (results.destroyed.length > 0 ? 'destroy' : 'update'),
    );
    return results.answer(accountId, change);
  }

  private async createDraft(
    write: AccountWrite,
    draft: DraftInput,
  ): Promise<InsertedEmail | { error: SetError }> {
    const blobIds = draft.structure
      ? draftBlobIds(draft.structure)
      : draft.attachments.map((attachment) => attachment.blobId);
    const blobs = new Map<string, Buffer>();
    const missing: string[] = [];
    let attachedBytes = 0;
    for (const blobId of new Set(blobIds)) {
      const blob = await this.blobs.get(write.accountId, blobId, write.manager);
      if (!blob) missing.push(blobId);
      else blobs.set(blobId, blob.data);
    }
    if (missing.length > 0)
      return { error: setError('blobNotFound', 'the parts name unknown blobs', { notFound: missing }) };
    for (const blobId of blobIds) attachedBytes += blobs.get(blobId)!.length;
    if (attachedBytes > MAX_ATTACHMENTS_BYTES) {
      return {
        error: setError(
          'tooLarge',
          `the parts from blobs add up to more than maxSizeAttachmentsPerEmail (${MAX_ATTACHMENTS_BYTES} bytes)`,
        ),
      };
    }

    const raw = draft.structure
      ? await composeStructure(draft, composable(draft.structure, blobs))
      : await composeMessage({
          ...draft,
          attachments: draft.attachments.map((attachment) => ({
            ...attachment,
            data: blobs.get(attachment.blobId)!,
          })),
        });
    return this.storeMessage(write, raw, 'draft', {
      mailboxIds: draft.mailboxIds,
      keywords: draft.keywords,
      receivedAt: draft.receivedAt ?? new Date(),
    });
  }
}

/** A draft's structure with its blobs' bytes in place of their ids. */
function composable(part: DraftPart, blobs: ReadonlyMap<string, Buffer>): ComposablePart {
  const { content, subParts, ...described } = part;
  return {
    ...described,
    subParts: subParts === null ? null : subParts.map((child) => composable(child, blobs)),
    data: content === null ? null : 'text' in content ? content.text : blobs.get(content.blobId)!,
  };
}

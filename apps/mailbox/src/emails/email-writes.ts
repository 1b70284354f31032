import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import type { MethodContext } from '@pushmail/jmap';
import { BlobStore } from '../blobs/blob-store.service.js';
import type { AccountWrite } from '../changes/account-write.js';
import { type DeviceChange, DeviceChanges, SetResults } from '../jmap/methods/device-change.js';
import { resolveCreationId } from '../jmap/methods/email.methods.js';
import { mailboxResolver } from '../mailboxes/mailbox-store.js';
import { storedBody } from '../mime/email-body.js';
import { parseMessage } from '../mime/parse-message.js';
import { newEmail, type NewEmail } from './email.js';
import { type InsertedEmail, insertEmail } from './email-store.js';

/** Where a device puts a message it made: the email's mailboxes, keywords and arrival time. */
export type Placement = Pick<NewEmail, 'mailboxIds' | 'keywords' | 'receivedAt'>;

/**
 * Email/set and Email/import: a device's changes to the account's emails (see DeviceChanges), which
 * store messages the device made (a draft it composed, a blob it imported) as new emails.
 */
export abstract class EmailWrites {
  constructor(
    @Inject(BlobStore) protected readonly blobs: BlobStore,
    @Inject(DeviceChanges) protected readonly changes: DeviceChanges,
  ) {}

  /**
   * One device change of the account's emails. `work` fills fresh results on every attempt (the
   * transaction may run again, see AccountChanges.write), given the account's mailboxes by id or
   * creation id; the answer is the change and the results of its last attempt.
   */
  protected async writeEmails(
    context: MethodContext,
    ifInState: string | undefined,
    work: (
      write: AccountWrite,
      results: SetResults<InsertedEmail>,
      resolveMailbox: (id: string) => string | undefined,
    ) => Promise<void>,
    cause: (results: SetResults<InsertedEmail>) => 'update' | 'destroy' = () => 'update',
  ): Promise<{ change: DeviceChange<void>; results: SetResults<InsertedEmail> }> {
    let results = new SetResults<InsertedEmail>();
    const change = await this.changes.apply(
      context.accountId,
      'Email',
      ifInState,
      async (write) => {
        results = new SetResults<InsertedEmail>();
        const resolveMailbox = await mailboxResolver(write.manager, context.accountId, (id) =>
          resolveCreationId(id, context),
        );
        await work(write, results, resolveMailbox);
      },
      () => cause(results),
    );
    return { change, results };
  }

  /** Within `write`: the bytes as a message/rfc822 blob, and an email of the fields parsed from them. */
  protected async storeMessage(
    write: AccountWrite,
    raw: Buffer,
    origin: 'draft' | 'import',
    placement: Placement,
  ): Promise<InsertedEmail> {
    const blob = await this.blobs.put(write.accountId, raw, 'message/rfc822', write.manager);
    const inserted = await insertEmail(
      write,
      newEmail(await parseMessage(raw), {
        deliveryId: `${origin}:${randomUUID()}`,
        blobId: blob.blobId,
        size: blob.size,
        receivedAt: placement.receivedAt,
        mailboxIds: placement.mailboxIds,
        keywords: placement.keywords,
        body: storedBody(raw),
      }),
    );
    if (!inserted) throw new Error(`a fresh ${origin} id collided with a stored delivery`);
    return inserted;
  }
}

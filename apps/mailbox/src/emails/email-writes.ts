import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { BlobStore } from '../blobs/blob-store.service.js';
import type { AccountWrite } from '../changes/account-write.js';
import { DeviceChanges } from '../jmap/methods/device-change.js';
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

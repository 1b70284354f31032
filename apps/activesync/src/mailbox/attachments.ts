import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { parseFileReference } from '../sync/email-item.js';
import { MailStore } from './mail-store.js';
import { MAILBOX_API, type MailboxApi } from './mailbox-client.js';

/** An attachment found by its FileReference, its bytes still to be read; or why there is none to serve. */
export type AttachmentLookup =
  | { found: true; type: string; size: number | undefined; body: ReadableStream<Uint8Array> }
  | { found: false; reason: 'unknown' | 'tooLarge' };

/** The attachment's bytes stream through, but never more than `maxBytes`: beyond, the stream errors. */
export function capped(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new Error(`the attachment exceeds ${maxBytes} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
}

/** All of a capped stream; undefined when it goes beyond the cap. */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of capped(body, maxBytes)) chunks.push(chunk);
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}

/**
 * Attachments by FileReference (`<email id>:<part blob id>`, as Sync lists them): the message is
 * looked up in the signed-in account and must carry that part, and the part downloads from
 * mailbox's blob endpoint of that account, so another account's reference finds nothing. Parts
 * over ATTACHMENT_MAX_BYTES are not served.
 */
@Injectable()
export class Attachments {
  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(MAILBOX_API) private readonly mailbox: MailboxApi,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
  ) {}

  get maxBytes(): number {
    return this.config.ATTACHMENT_MAX_BYTES;
  }

  async open(accountId: string, reference: string): Promise<AttachmentLookup> {
    const parsed = parseFileReference(reference);
    if (!parsed) return { found: false, reason: 'unknown' };
    const [detail] = await this.mail.emails(accountId, [parsed.emailId], { text: false, html: false });
    const attachment = detail?.attachments.find((candidate) => candidate.blobId === parsed.blobId);
    if (!attachment) return { found: false, reason: 'unknown' };
    if (attachment.size > this.maxBytes) return { found: false, reason: 'tooLarge' };
    const download = await this.mailbox.openBlob(accountId, attachment.blobId);
    if (!download) return { found: false, reason: 'unknown' };
    if (download.size !== undefined && download.size > this.maxBytes) {
      await download.body.cancel().catch(() => undefined);
      return { found: false, reason: 'tooLarge' };
    }
    return {
      found: true,
      type: attachment.type,
      size: download.size,
      body: capped(download.body, this.maxBytes),
    };
  }
}

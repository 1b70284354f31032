import { Inject, Injectable } from '@nestjs/common';
import type { ComposeMailRequest } from '@pushmail/activesync';
import { type EmailDetail, MailStore } from '../../mailbox/mail-store.js';
import type { EasCommandContext } from '../../protocol/eas-command.js';
import { FolderView } from '../../sync/folder-view.js';
import { forwardedPart, quotedPart, type ExtraPart } from './outgoing-message.js';

/**
 * The message a SmartReply answers or a SmartForward forwards, as the device may see it, and the
 * part of it that goes into the new message: the whole original, forwarded, or its text, quoted.
 */
@Injectable()
export class OriginalMessages {
  constructor(
    @Inject(FolderView) private readonly view: FolderView,
    @Inject(MailStore) private readonly mail: MailStore,
  ) {}

  /** The original, if the account has it (and, by ItemId, in that folder); with its text when `text`. */
  async find(
    context: EasCommandContext,
    source: NonNullable<ComposeMailRequest['source']>,
    text: boolean,
  ): Promise<EmailDetail | undefined> {
    const id = source.itemId ?? source.longId;
    if (id === undefined) return undefined;
    const [detail] = await this.view.emails(
      {
        accountId: context.device.accountId,
        address: context.device.address,
        standing: context.standing,
        collectionId: source.folderId ?? '',
        inboxId: undefined,
      },
      [id],
      { text, html: false },
    );
    if (!detail) return undefined;
    if (source.itemId !== undefined && !detail.mailboxIds.includes(source.folderId ?? '')) return undefined;
    return detail;
  }

  /** The original as a forwarded message/rfc822 part, or undefined when its blob is gone. */
  async forwarded(accountId: string, original: EmailDetail): Promise<ExtraPart | undefined> {
    const blob = await this.mail.blob(accountId, original.blobId);
    return blob ? forwardedPart(blob.data) : undefined;
  }

  /** The original's text, quoted under who wrote it and when. */
  quoted(original: EmailDetail): ExtraPart {
    const from = original.from.map((who) => (who.name ? `${who.name} <${who.email}>` : who.email)).join(', ');
    return quotedPart({
      from,
      sentAt: original.receivedAt,
      subject: original.subject,
      text: original.text ?? original.preview,
    });
  }
}

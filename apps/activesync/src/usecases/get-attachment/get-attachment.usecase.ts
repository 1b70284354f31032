import { Inject, Injectable } from '@nestjs/common';
import { COMMON_STATUS } from '@pushmail/activesync';
import { Attachments } from '../../mailbox/attachments.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { refusalReply } from '../../protocol/refusal.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

/**
 * GetAttachment (14.x; 16 has only ItemOperations Fetch): the attachment named by AttachmentName
 * (its FileReference) as the raw HTTP body, streamed from mailbox. An unknown reference, or one of
 * another account, is HTTP 500 as [MS-ASCMD] 2.2.1.8 prescribes for a missing attachment. A
 * quarantined device gets HTTP 403 and nothing of mailbox.
 */
@Injectable()
export class GetAttachment implements EasCommand {
  readonly command = 'GetAttachment';

  constructor(@Inject(Attachments) private readonly attachments: Attachments) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    if (context.protocolVersion.startsWith('16.'))
      return { http: 400, detail: 'GetAttachment is not part of ActiveSync 16; use ItemOperations Fetch' };
    const reference = context.request.attachmentName;
    if (!reference) return { http: 400, detail: 'GetAttachment needs an AttachmentName' };
    // A quarantined device may see nothing of the mailbox but the notice in its Inbox, which has no
    // attachments. GetAttachment has no WBXML body to carry the common 130 (AccessDenied), and the 500
    // the specification gives a missing attachment is a server error that phones retry, some for ever.
    // 130 becomes HTTP 403 here, as it does for a blocked device's GetAttachment and for any command of
    // a 14.0 phone (refusalReply), which phones do not retry. Answered before the reference is looked
    // up: mailbox is not asked, and the answer is the same for any reference, real or not.
    if (seesQuarantineView(context.standing))
      return refusalReply(
        this.command,
        context.protocolVersion,
        COMMON_STATUS.AccessDenied,
        'this device is quarantined: an administrator must allow it first',
      );
    const lookup = await this.attachments.open(context.device.accountId, reference);
    if (!lookup.found) {
      return lookup.reason === 'tooLarge'
        ? { http: 413, detail: `attachments are served up to ${this.attachments.maxBytes} bytes` }
        : { http: 500, detail: 'no such attachment' };
    }
    return {
      stream: lookup.body,
      contentType: lookup.type,
      ...(lookup.size !== undefined ? { length: lookup.size } : {}),
    };
  }
}

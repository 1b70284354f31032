import { Inject, Injectable } from '@nestjs/common';
import { Attachments } from '../../mailbox/attachments.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';

/**
 * GetAttachment (14.x; 16 has only ItemOperations Fetch): the attachment named by AttachmentName
 * (its FileReference) as the raw HTTP body, streamed from mailbox. An unknown reference, or one of
 * another account, is HTTP 500 as [MS-ASCMD] 2.2.1.8 prescribes for a missing attachment.
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
    const lookup =
      context.standing.access === 'quarantined'
        ? ({ found: false, reason: 'unknown' } as const)
        : await this.attachments.open(context.device.accountId, reference);
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

import { Inject, Injectable } from '@nestjs/common';
import {
  ActiveSyncCommandError,
  buildComposeMailStatus,
  COMMON_STATUS,
  readComposeMailRequest,
  type ComposeCommand,
  type ComposeMailRequest,
} from '@pushmail/activesync';
import type { DeviceTrailRecordV1 } from '@pushmail/contracts';
import { DeviceTrail } from '@pushmail/edge';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../../config/activesync-config.js';
import { MailboxError, MethodFailedError } from '../../mailbox/mailbox-client.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { MailSubmission, type SubmissionOutcome } from './mail-submission.js';
import { OriginalMessages } from './original-messages.js';
import { looksLikeMessage, withHeaders, withPart } from './outgoing-message.js';
import { SentMessages } from './sent-messages.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

/**
 * A sent message is answered with an empty body (HTTP 200); a refusal with its Status. Either
 * carries what the device trail records of it, once the message reached mailbox's submission.
 */
type SendRecord = NonNullable<DeviceTrailRecordV1['sends']>[number];
type Outcome = ({ sent: true } | { status: number; reason: string }) & { send?: SendRecord };

/**
 * SendMail, SmartReply and SmartForward (14.0 and later: the ComposeMail body). The message goes
 * through the platform's one submission path, mailbox's EmailSubmission/set, exactly as a JMAP
 * client's does; SmartReply and SmartForward include the original unless the phone did
 * (ReplaceMime). A ClientId already sent is Status 118, never a second copy.
 */
abstract class SendMessage implements EasCommand {
  abstract readonly command: ComposeCommand;

  constructor(
    @Inject(MailSubmission) private readonly submission: MailSubmission,
    @Inject(SentMessages) private readonly sent: SentMessages,
    @Inject(OriginalMessages) private readonly originals: OriginalMessages,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(DeviceTrail) private readonly trail: DeviceTrail,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const started = performance.now();
    const outcome = await this.send(context);
    // The device's trail shows what it sent: which message, to how many, and what came of it.
    this.trail.record(context.device.accountId, {
      deviceId: context.device.deviceId,
      kind: 'request',
      request: {
        methods: [this.command],
        ok: 'sent' in outcome,
        durationMs: Math.max(0, Math.round(performance.now() - started)),
        ...('sent' in outcome ? {} : { error: `Status ${outcome.status}` }),
      },
      activesync: { command: this.command, ...('sent' in outcome ? {} : { status: String(outcome.status) }) },
      // Refused before it reached mailbox's submission: no ids, only the Status.
      sends: [
        outcome.send ?? { outcome: 'refused', error: `Status ${'sent' in outcome ? 0 : outcome.status}` },
      ],
    });
    if ('sent' in outcome) return { empty: true };
    context.log.info({ status: outcome.status, reason: outcome.reason }, 'a message was not sent');
    return { body: buildComposeMailStatus(this.command, outcome.status) };
  }

  private async send(context: EasCommandContext): Promise<Outcome> {
    if (!context.body) return { status: COMMON_STATUS.InvalidXML, reason: 'the request has no body' };
    if (seesQuarantineView(context.standing))
      return { status: COMMON_STATUS.AccessDenied, reason: 'a quarantined device does not send' };
    let request: ComposeMailRequest;
    try {
      request = readComposeMailRequest(context.body, { maxMimeBytes: this.config.SEND_MAX_MESSAGE_BYTES });
    } catch (error) {
      if (error instanceof ActiveSyncCommandError) return { status: error.status, reason: error.message };
      throw error;
    }
    if (request.source?.itemId !== undefined && request.source.longId !== undefined)
      return { status: COMMON_STATUS.InvalidCombinationOfIDs, reason: 'Source names both ItemId and LongId' };
    if (!looksLikeMessage(request.mime))
      return { status: COMMON_STATUS.InvalidMIME, reason: 'the MIME does not start with header fields' };

    const { accountId, deviceId } = context.device;
    if (!(await this.sent.claim(accountId, deviceId, request.clientId)))
      return { status: COMMON_STATUS.MessagePreviouslySent, reason: 'this ClientId was sent already' };
    let outcome: Outcome;
    try {
      outcome = await this.submit(context, request);
    } catch (error) {
      // A method mailbox refused as a whole (RFC 8620 §3.6.2) changed nothing.
      if (error instanceof MethodFailedError) {
        await this.sent.release(accountId, deviceId, request.clientId);
        return { status: COMMON_STATUS.ServerError, reason: error.message };
      }
      // Mailbox never got the request: nothing was sent, so the phone may send it again.
      if (error instanceof MailboxError && error.kind === 'unavailable')
        await this.sent.release(accountId, deviceId, request.clientId);
      throw error;
    }
    if (!('sent' in outcome)) await this.sent.release(accountId, deviceId, request.clientId);
    return outcome;
  }

  private async submit(context: EasCommandContext, request: ComposeMailRequest): Promise<Outcome> {
    const { accountId, address } = context.device;
    let mime = withHeaders(request.mime, [['From', `<${address}>`]]);
    if (request.source) {
      const original = await this.originals.find(context, request.source, this.command === 'SmartReply');
      if (!original)
        return { status: COMMON_STATUS.ItemNotFound, reason: 'the original message is not there' };
      if (this.command === 'SmartReply' && original.messageId) {
        const id = `<${original.messageId}>`;
        mime = withHeaders(mime, [
          ['In-Reply-To', id],
          ['References', id],
        ]);
      }
      if (!request.replaceMime) {
        const part =
          this.command === 'SmartForward'
            ? await this.originals.forwarded(accountId, original)
            : this.originals.quoted(original);
        if (!part) return { status: COMMON_STATUS.ItemNotFound, reason: 'the original message is not there' };
        mime = withPart(mime, part);
      }
    }
    if (mime.length > this.config.SEND_MAX_MESSAGE_BYTES)
      return {
        status: COMMON_STATUS.AttachmentIsTooLarge,
        reason: `messages of at most ${this.config.SEND_MAX_MESSAGE_BYTES} bytes are sent`,
      };
    const result = await this.submission.send({ accountId, address }, mime, {
      saveInSent: request.saveInSentItems,
      extraRecipients: request.forwardees.map((forwardee) => forwardee.email),
    });
    return result.ok
      ? { sent: true, send: sendRecord(result) }
      : { status: result.status, reason: result.reason, send: sendRecord(result) };
  }
}

@Injectable()
export class SendMail extends SendMessage {
  readonly command = 'SendMail';
}

@Injectable()
export class SmartReply extends SendMessage {
  readonly command = 'SmartReply';
}

@Injectable()
export class SmartForward extends SendMessage {
  readonly command = 'SmartForward';
}

function sendRecord(result: SubmissionOutcome): SendRecord {
  if (!result.ok)
    return {
      ...(result.emailId === undefined ? {} : { emailId: result.emailId.slice(0, 64) }),
      outcome: 'refused',
      error: `Status ${result.status}`,
    };
  return {
    submissionId: result.submissionId.slice(0, 64),
    emailId: result.emailId.slice(0, 64),
    ...(result.recipients === undefined ? {} : { recipients: result.recipients }),
    outcome: result.pending ? 'pending' : 'sent',
  };
}

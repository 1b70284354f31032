import { Inject, Injectable } from '@nestjs/common';
import { COMMON_STATUS } from '@pushmail/activesync';
import { isObject } from '@pushmail/jmap';
import { answerOf, MAILBOX_API, type MailboxApi } from '../../mailbox/mailbox-client.js';

/** Why mailbox did not send: the ComposeMail Status the phone is answered with. */
/** What came of a send; with the ids and the recipient count the device trail records. */
export type SubmissionOutcome =
  | { ok: true; submissionId: string; emailId: string; recipients?: number; pending: boolean }
  | { ok: false; status: number; reason: string; emailId?: string };

/** An Email/import refusal as a ComposeMail Status. */
export function importRefusalStatus(type: string): number {
  if (type === 'invalidEmail') return COMMON_STATUS.InvalidMIME;
  if (type === 'overQuota') return COMMON_STATUS.MailboxQuotaExceeded;
  if (type === 'tooLarge') return COMMON_STATUS.AttachmentIsTooLarge;
  return COMMON_STATUS.MailSubmissionFailed;
}

/** An EmailSubmission/set refusal (docs/outbound.md) as a ComposeMail Status. */
export function submissionRefusalStatus(type: string): number {
  switch (type) {
    case 'tooLarge':
      return COMMON_STATUS.AttachmentIsTooLarge;
    case 'noRecipients':
      return COMMON_STATUS.MessageHasNoRecipient;
    case 'invalidRecipients':
      return COMMON_STATUS.MessageRecipientUnresolved;
    case 'forbiddenToSend':
      return COMMON_STATUS.SendQuotaExceeded;
    case 'forbiddenFrom':
    case 'forbiddenMailFrom':
      return COMMON_STATUS.AccessDenied;
    default:
      return COMMON_STATUS.MailSubmissionFailed;
  }
}

function refusalOf(
  answer: Record<string, unknown>,
  creationId: string,
): { type: string; reason: string } | undefined {
  const notCreated = answer['notCreated'];
  const error = isObject(notCreated) ? notCreated[creationId] : undefined;
  if (!isObject(error)) return undefined;
  const type = typeof error['type'] === 'string' ? error['type'] : 'serverFail';
  const description = typeof error['description'] === 'string' ? error['description'] : type;
  return { type, reason: description.slice(0, 200) };
}

/**
 * Sends a message the way a JMAP client does (docs/outbound.md): the MIME stored as a blob,
 * imported as a draft, and submitted with EmailSubmission/set, which files it in Sent and queues it
 * for outbound in one transaction. Without SaveInSentItems the sent copy is destroyed on success.
 */
@Injectable()
export class MailSubmission {
  constructor(@Inject(MAILBOX_API) private readonly mailbox: MailboxApi) {}

  async send(
    account: { accountId: string; address: string },
    mime: Buffer,
    options: { saveInSent: boolean; extraRecipients: string[] },
  ): Promise<SubmissionOutcome> {
    const { accountId, address } = account;
    const setup = await this.mailbox.call(
      accountId,
      [
        ['Identity/get', { accountId, ids: null, properties: ['id', 'email'] }, 'i'],
        ['Mailbox/get', { accountId, ids: null, properties: ['id', 'role'] }, 'b'],
      ],
      address,
    );
    const identities = answerOf(setup, 'i')['list'];
    const identity = (Array.isArray(identities) ? identities.filter(isObject) : []).find(
      (candidate) => String(candidate['email']).toLowerCase() === address.toLowerCase(),
    );
    if (!identity)
      return { ok: false, status: COMMON_STATUS.AccessDenied, reason: 'the account has no identity' };
    const boxes = answerOf(setup, 'b')['list'];
    const byRole = new Map(
      (Array.isArray(boxes) ? boxes.filter(isObject) : []).map((box) => [
        String(box['role']),
        String(box['id']),
      ]),
    );
    const home = byRole.get('drafts') ?? byRole.get('sent') ?? byRole.get('inbox');
    if (home === undefined)
      return {
        ok: false,
        status: COMMON_STATUS.MailSubmissionFailed,
        reason: 'the account has no Drafts folder',
      };

    const blobId = await this.mailbox.upload(accountId, mime, 'message/rfc822');
    const imported = answerOf(
      await this.mailbox.call(
        accountId,
        [
          [
            'Email/import',
            {
              accountId,
              emails: {
                m: { blobId, mailboxIds: { [home]: true }, keywords: { $draft: true, $seen: true } },
              },
            },
            'm',
          ],
        ],
        address,
      ),
      'm',
    );
    const importRefusal = refusalOf(imported, 'm');
    const created = isObject(imported['created']) ? imported['created']['m'] : undefined;
    const emailId = isObject(created) && typeof created['id'] === 'string' ? created['id'] : undefined;
    if (importRefusal || emailId === undefined) {
      const type = importRefusal?.type ?? 'serverFail';
      return { ok: false, status: importRefusalStatus(type), reason: importRefusal?.reason ?? type };
    }

    const submission: Record<string, unknown> = { identityId: identity['id'], emailId };
    if (options.extraRecipients.length > 0)
      submission['envelope'] = await this.envelope(accountId, emailId, address, options.extraRecipients);
    const submitted = answerOf(
      await this.mailbox.call(
        accountId,
        [
          [
            'EmailSubmission/set',
            {
              accountId,
              create: { s: submission },
              ...(options.saveInSent ? {} : { onSuccessDestroyEmail: ['#s'] }),
            },
            's',
          ],
        ],
        address,
      ),
      's',
    );
    const refusal = refusalOf(submitted, 's');
    if (refusal || !isObject(submitted['created']) || !isObject(submitted['created']['s'])) {
      // The draft made for this send goes with it: the phone will send again or give up.
      await this.mailbox.call(accountId, [['Email/set', { accountId, destroy: [emailId] }, 'd']], address);
      const type = refusal?.type ?? 'serverFail';
      return { ok: false, status: submissionRefusalStatus(type), reason: refusal?.reason ?? type, emailId };
    }
    const made = submitted['created']['s'];
    const sentEnvelope = isObject(made['envelope']) ? made['envelope'] : submission['envelope'];
    const rcptTo = isObject(sentEnvelope) ? sentEnvelope['rcptTo'] : undefined;
    return {
      ok: true,
      submissionId: String(made['id']),
      emailId,
      ...(Array.isArray(rcptTo) ? { recipients: rcptTo.length } : {}),
      pending: made['undoStatus'] === 'pending',
    };
  }

  /** The recipients of the message's own headers plus `extra` (SmartForward's Forwardees). */
  private async envelope(
    accountId: string,
    emailId: string,
    address: string,
    extra: string[],
  ): Promise<{ mailFrom: { email: string }; rcptTo: Array<{ email: string }> }> {
    const answer = answerOf(
      await this.mailbox.call(accountId, [
        ['Email/get', { accountId, ids: [emailId], properties: ['to', 'cc', 'bcc'] }, 'e'],
      ]),
      'e',
    );
    const list = answer['list'];
    const email = Array.isArray(list) && isObject(list[0]) ? list[0] : {};
    const recipients = new Map<string, string>();
    for (const header of ['to', 'cc', 'bcc']) {
      const value = email[header];
      for (const entry of Array.isArray(value) ? value.filter(isObject) : []) {
        if (typeof entry['email'] === 'string') recipients.set(entry['email'].toLowerCase(), entry['email']);
      }
    }
    for (const added of extra) recipients.set(added.toLowerCase(), added);
    return {
      mailFrom: { email: address },
      rcptTo: [...recipients.values()].map((rcpt) => ({ email: rcpt })),
    };
  }
}

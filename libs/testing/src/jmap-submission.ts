import { CORE_CAPABILITY, type DeviceClient, MAIL_CAPABILITY, SUBMISSION_CAPABILITY } from '@pushmail/jmap';
import { mailboxIdsByRole } from './mailboxes.js';

export const SUBMISSION_USING = [CORE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY];

/** What a device needs to send from its account: its identity and Drafts mailbox. */
export interface JmapSender {
  client: DeviceClient;
  accountId: string;
  address: string;
  identityId: string;
  draftsId: string;
}

/** Looks up the account's identity and Drafts mailbox once, over the device's connection. */
export async function jmapSenderOf(
  client: DeviceClient,
  account: { accountId: string; address: string },
  timeoutMs = 30_000,
): Promise<JmapSender> {
  const [identityCall, mailboxCall] = await client.request(
    [
      ['Identity/get', { accountId: account.accountId, ids: null }, 'i'],
      ['Mailbox/get', { accountId: account.accountId, ids: null, properties: ['role'] }, 'm'],
    ],
    SUBMISSION_USING,
    timeoutMs,
  );
  const identityId = (identityCall?.[1]['list'] as Array<{ id: string }> | undefined)?.[0]?.id;
  const draftsId = mailboxCall ? mailboxIdsByRole(mailboxCall[1])['drafts'] : undefined;
  if (!identityId || !draftsId) throw new Error(`account ${account.address}: no identity or Drafts mailbox`);
  return { client, accountId: account.accountId, address: account.address, identityId, draftsId };
}

/**
 * Creates a plain-text draft and submits it in one request, as a mail client does; answers the
 * submission id, or throws with what the server said instead.
 */
export async function submitDraft(
  sender: JmapSender,
  mail: { to: string[]; subject: string; text: string },
  timeoutMs = 30_000,
): Promise<string> {
  const responses = await sender.client.request(
    [
      [
        'Email/set',
        {
          accountId: sender.accountId,
          create: {
            draft: {
              mailboxIds: { [sender.draftsId]: true },
              keywords: { $draft: true },
              from: [{ name: null, email: sender.address }],
              to: mail.to.map((email) => ({ name: null, email })),
              subject: mail.subject,
              textBody: [{ partId: 'body', type: 'text/plain' }],
              bodyValues: { body: { value: mail.text } },
            },
          },
        },
        'draft',
      ],
      [
        'EmailSubmission/set',
        {
          accountId: sender.accountId,
          create: { send: { identityId: sender.identityId, emailId: '#draft' } },
        },
        'send',
      ],
    ],
    SUBMISSION_USING,
    timeoutMs,
  );
  const [name, result] = responses[1] ?? [];
  const created =
    name === 'EmailSubmission/set' ? (result?.['created'] as Record<string, { id: string }>) : undefined;
  const id = created?.['send']?.id;
  if (!id) throw new Error(`not submitted: ${JSON.stringify(responses).slice(0, 300)}`);
  return id;
}

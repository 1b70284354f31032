import { CORE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY } from '@pushmail/jmap';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { expectEventually, type Invocation } from '@pushmail/testing';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountWithDevices, type JmapAccount } from './jmap-client-kit.js';
import { pushUrlOf, useSuitePlatform } from './support/e2e-platform.js';

const using = [CORE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY];
const remoteDomain = 'remote.example';

interface Received {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
}

describe('Sending from a device', () => {
  let mx: SMTPServer;
  const received: Received[] = [];
  let alice: JmapAccount;
  let bob: JmapAccount;
  let roles: Record<string, string>;

  // Registered before the platform's hooks, so the remote MX closes after the services stopped.
  afterAll(async () => {
    await new Promise<void>((resolve) => (mx ? mx.close(() => resolve()) : resolve()));
  });
  const suite = useSuitePlatform('sending', async () => {
    mx = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('refuse')) {
          const error = new Error('5.1.1 no such mailbox') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        return callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString(),
          });
          callback();
        });
      },
    });
    // smtp-server reports each connection's error (a reset mid-transaction) as an error of the
    // server, which unheard would end the test process; the session ends, the server carries on.
    mx.on('error', () => undefined);
    await new Promise<void>((resolve) => mx.listen(0, '127.0.0.1', () => resolve()));
    const port = (mx.server.address() as AddressInfo).port;
    return {
      serviceEnv: { outbound: { MX_OVERRIDES: `${remoteDomain}=127.0.0.1:${port}`, QUEUE_POLL_MS: '200' } },
    };
  });

  const call = async (account: JmapAccount, methodCalls: Invocation[]): Promise<Invocation[]> => {
    const response = await fetch(`${pushUrlOf(suite.platform)}/jmap/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${account.devices[0]!.token}` },
      body: JSON.stringify({ using, methodCalls }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { methodResponses: Invocation[] }).methodResponses;
  };
  const one = async (account: JmapAccount, name: string, args: Record<string, unknown>) => {
    const [[answered, result]] = (await call(account, [
      [name, { accountId: account.accountId, ...args }, 'c'],
    ])) as [Invocation];
    expect(answered, JSON.stringify(result)).toBe(name);
    return result;
  };
  /** Creates a draft and submits it in one request, as a mail client does. */
  const send = async (to: string[], subject: string) => {
    const [identity] = (await one(alice, 'Identity/get', { ids: null }))['list'] as Array<{ id: string }>;
    const responses = await call(alice, [
      [
        'Email/set',
        {
          accountId: alice.accountId,
          create: {
            draft: {
              mailboxIds: { [roles['drafts']!]: true },
              keywords: { $draft: true },
              from: [{ name: 'Alice', email: alice.address }],
              to: to.map((email) => ({ name: null, email })),
              subject,
              textBody: [{ partId: 'body', type: 'text/plain' }],
              bodyValues: { body: { value: `Body of ${subject}` } },
            },
          },
        },
        'draft',
      ],
      [
        'EmailSubmission/set',
        {
          accountId: alice.accountId,
          create: { send: { identityId: identity!.id, emailId: '#draft' } },
          onSuccessUpdateEmail: { '#send': { 'keywords/$flagged': true } },
        },
        'send',
      ],
    ]);
    expect(responses.map(([name]) => name)).toEqual(['Email/set', 'EmailSubmission/set', 'Email/set']);
    return (responses[1]![1]['created'] as Record<string, { id: string }>)['send']!.id;
  };
  const deliveryStatusOf = (submissionId: string, recipient: string, delivered: string) =>
    expectEventually(
      async () => {
        const [submission] = (await one(alice, 'EmailSubmission/get', { ids: [submissionId] }))[
          'list'
        ] as Array<{
          deliveryStatus: Record<string, { delivered: string; smtpReply: string }>;
        }>;
        const status = submission?.deliveryStatus[recipient];
        if (status?.delivered !== delivered) throw new Error(`deliveryStatus is ${JSON.stringify(status)}`);
        return status;
      },
      { timeoutMs: 60_000 },
    );
  const inboxSubjects = async (account: JmapAccount): Promise<string[]> => {
    const ids = (await one(account, 'Email/query', { filter: { inMailbox: await inboxOf(account) } }))['ids'];
    const list = (await one(account, 'Email/get', { ids, properties: ['subject'] }))['list'] as Array<{
      subject: string;
    }>;
    return list.map((email) => email.subject);
  };
  const inboxOf = async (account: JmapAccount): Promise<string> => {
    const mailboxes = (await one(account, 'Mailbox/get', { ids: null }))['list'] as Array<{
      id: string;
      role: string;
    }>;
    return mailboxes.find((mailbox) => mailbox.role === 'inbox')!.id;
  };

  beforeAll(async () => {
    alice = await accountWithDevices(suite.platform, 1);
    bob = await accountWithDevices(suite.platform, 1);
    const mailboxes = (await one(alice, 'Mailbox/get', { ids: null }))['list'] as Array<{
      id: string;
      role: string;
    }>;
    roles = Object.fromEntries(mailboxes.map((mailbox) => [mailbox.role, mailbox.id]));
  }, 300_000);

  it('delivers a submission to a remote MX host and to a hosted account, and reports both delivered', async () => {
    const subject = `Lunch ${randomUUID().slice(0, 8)}`;
    const remote = `carol@${remoteDomain}`;
    const submissionId = await send([remote, bob.address], subject);

    expect((await deliveryStatusOf(submissionId, remote, 'yes')).smtpReply).toMatch(/^250/);
    await deliveryStatusOf(submissionId, bob.address, 'yes');
    const copies = received.filter((message) => message.raw.includes(`Subject: ${subject}`));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ mailFrom: alice.address, rcptTo: [remote] });

    await expectEventually(async () => expect(await inboxSubjects(bob)).toEqual([subject]), {
      timeoutMs: 30_000,
    });
    const sent = (await one(alice, 'Email/query', { filter: { inMailbox: roles['sent'] } }))[
      'ids'
    ] as string[];
    expect(sent).toHaveLength(1);
  });

  it('bounces a refused recipient: a DSN in the sender Inbox and deliveryStatus no', async () => {
    const subject = `Refused ${randomUUID().slice(0, 8)}`;
    const submissionId = await send([`refuse@${remoteDomain}`], subject);
    expect((await deliveryStatusOf(submissionId, `refuse@${remoteDomain}`, 'no')).smtpReply).toMatch(/^550/);
    await expectEventually(
      async () => expect(await inboxSubjects(alice)).toContain('Undelivered Mail Returned to Sender'),
      { timeoutMs: 30_000 },
    );
  });

  it('refuses to send from an address the account does not own', async () => {
    const result = await one(alice, 'Identity/set', {
      create: { spoof: { email: `ceo@${suite.platform.mailDomains[0]}` } },
    });
    expect(result['notCreated']).toMatchObject({ spoof: { type: 'forbiddenFrom' } });
  });
});

import { CORE_CAPABILITY, DEVICE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY } from '@pushmail/jmap';
import { randomUUID } from 'node:crypto';
import {
  buildMessage,
  type DeviceClient,
  expectEventually,
  sendMail,
  type Invocation,
} from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWhenKnown, newAccount as newAccountOf, useSuitePlatform } from './support/e2e-platform.js';

/** What a refused call may answer: it must never be a result carrying the other account's data. */
const REFUSALS = new Set([
  'accountNotFound',
  'fromAccountNotFound',
  'forbidden',
  'notFound',
  'unknownMethod',
  'invalidArguments',
  'accountNotSupportedByMethod',
  'fromAccountNotSupportedByMethod',
]);

interface Account {
  accountId: string;
  address: string;
  device: DeviceClient;
  token: string;
}

interface AccountData {
  emailIds: string[];
  threadIds: string[];
  mailboxIds: string[];
  blobIds: string[];
  state: string;
  subject: string;
}

describe('a device reaches only its own account', () => {
  const suite = useSuitePlatform('cross-account', { mailDomains: ['example.com'] });
  let alice: Account;
  let bob: Account;
  let bobData: AccountData;

  beforeAll(async () => {
    alice = await newAccount('alice');
    bob = await newAccount('bob');
    await deliver(alice.address, `for alice ${randomUUID().slice(0, 6)}`);
    bobData = await seed(bob, `bob's secret ${randomUUID().slice(0, 6)}`);
  });

  afterAll(() => {
    alice?.device.close();
    bob?.device.close();
  });

  async function newAccount(name: string): Promise<Account> {
    const { accountId, address, password } = await newAccountOf(suite.registry, { prefix: name });
    const { token } = await suite.registry.registerDevice(address, password, { deviceId: `${name}-phone` });
    const device = await connectWhenKnown(suite.platform, token);
    return { accountId, address, device, token };
  }

  async function deliver(address: string, subject: string): Promise<void> {
    const result = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'someone@elsewhere.example',
      to: [address],
      message: buildMessage({
        from: 'someone@elsewhere.example',
        to: address,
        subject,
        text: `${subject} body`,
      }),
    });
    expect(result.data?.code).toBe(250);
  }

  /** Gives the account a mail and learns, through its own device, every id there is to name. */
  async function seed(account: Account, subject: string): Promise<AccountData> {
    await deliver(account.address, subject);
    const { accountId, device } = account;
    return expectEventually(async () => {
      const responses = await device.request([
        ['Email/query', { accountId }, 'q'],
        [
          'Email/get',
          {
            accountId,
            '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
            properties: ['threadId', 'blobId', 'mailboxIds', 'subject'],
          },
          'g',
        ],
        ['Mailbox/get', { accountId, ids: null }, 'm'],
      ]);
      const emails = responses[1]![1]['list'] as Array<{
        id: string;
        threadId: string;
        blobId: string;
        mailboxIds: Record<string, boolean>;
        subject: string;
      }>;
      expect(emails.map((email) => email.subject)).toContain(subject);
      const mailboxes = responses[2]![1]['list'] as Array<{ id: string }>;
      return {
        emailIds: emails.map((email) => email.id),
        threadIds: emails.map((email) => email.threadId),
        blobIds: emails.map((email) => email.blobId),
        mailboxIds: mailboxes.map((mailbox) => mailbox.id),
        state: responses[1]![1]['state'] as string,
        subject,
      };
    });
  }

  /** A response of Alice's device to a call naming Bob's account or ids: a refusal, or a result without Bob's data. */
  function expectNothingOfBob([name, args]: Invocation, call: string): void {
    const text = JSON.stringify(args);
    expect(text, call).not.toContain(bobData.subject);
    if (name === 'error') {
      expect(REFUSALS.has(args['type'] as string), `${call}: ${text}`).toBe(true);
      return;
    }
    for (const id of [...bobData.emailIds, ...bobData.threadIds, ...bobData.mailboxIds, ...bobData.blobIds]) {
      for (const field of ['list', 'ids', 'created', 'updated', 'destroyed', 'added']) {
        const value = args[field];
        if (value === undefined || value === null) continue;
        expect(JSON.stringify(value), `${call}: ${field} names ${id}`).not.toContain(id);
      }
    }
    expect(
      args['accountId'] === bob.accountId && !['Core/echo'].includes(name),
      `${call} answered for Bob's account`,
    ).toBe(false);
  }

  it("answers accountNotFound to every method aimed at the other account's id", async () => {
    const b = bob.accountId;
    const calls: Invocation[] = [
      ['Email/get', { accountId: b, ids: bobData.emailIds }, 'email-get'],
      ['Email/get', { accountId: b, ids: null }, 'email-get-all'],
      ['Email/query', { accountId: b }, 'email-query'],
      ['Email/changes', { accountId: b, sinceState: '0' }, 'email-changes'],
      [
        'Email/set',
        {
          accountId: b,
          update: Object.fromEntries(bobData.emailIds.map((id) => [id, { 'keywords/$seen': true }])),
        },
        'email-set',
      ],
      ['Email/set', { accountId: b, destroy: bobData.emailIds }, 'email-destroy'],
      [
        'Email/copy',
        {
          fromAccountId: b,
          accountId: alice.accountId,
          create: { c1: { id: bobData.emailIds[0], mailboxIds: {} } },
        },
        'email-copy',
      ],
      ['Email/parse', { accountId: b, blobIds: bobData.blobIds }, 'email-parse'],
      [
        'SearchSnippet/get',
        { accountId: b, emailIds: bobData.emailIds, filter: { text: 'secret' } },
        'snippets',
      ],
      ['Mailbox/get', { accountId: b, ids: bobData.mailboxIds }, 'mailbox-get'],
      ['Mailbox/query', { accountId: b }, 'mailbox-query'],
      ['Mailbox/changes', { accountId: b, sinceState: '0' }, 'mailbox-changes'],
      ['Mailbox/set', { accountId: b, destroy: bobData.mailboxIds }, 'mailbox-set'],
      ['Thread/get', { accountId: b, ids: bobData.threadIds }, 'thread-get'],
      ['Thread/changes', { accountId: b, sinceState: '0' }, 'thread-changes'],
      ['Identity/get', { accountId: b }, 'identity-get'],
      ['DevicePolicy/get', { accountId: b }, 'policy-get'],
      ['DevicePolicy/acknowledge', { accountId: b, version: 1 }, 'policy-ack'],
      ['DeviceWipe/confirm', { accountId: b, wipeId: randomUUID() }, 'wipe-confirm'],
    ];
    const responses = await alice.device.request(calls, [
      CORE_CAPABILITY,
      MAIL_CAPABILITY,
      SUBMISSION_CAPABILITY,
      DEVICE_CAPABILITY,
    ]);
    expect(responses).toHaveLength(calls.length);
    for (const [index, response] of responses.entries()) {
      const call = calls[index]!;
      expect(response[2]).toBe(call[2]);
      expectNothingOfBob(response, call[2]);
      // Every one of these names Bob's account: none may be treated as a call on it.
      expect(response[0], call[2]).toBe('error');
      const type = response[1]['type'];
      expect(
        ['accountNotFound', 'fromAccountNotFound', 'unknownMethod'],
        `${call[2]}: ${JSON.stringify(response[1])}`,
      ).toContain(type);
    }
    // The methods pushmail serves must refuse for the account, not merely be unknown.
    for (const call of [
      'email-get',
      'email-query',
      'email-changes',
      'mailbox-get',
      'thread-get',
      'policy-get',
    ]) {
      const response = responses.find((entry) => entry[2] === call)!;
      expect(response[1]['type'], call).toBe('accountNotFound');
    }
  });

  it("finds none of the other account's ids within its own account", async () => {
    const a = alice.accountId;
    const calls: Invocation[] = [
      ['Email/get', { accountId: a, ids: bobData.emailIds }, 'email-get'],
      ['Mailbox/get', { accountId: a, ids: bobData.mailboxIds }, 'mailbox-get'],
      ['Thread/get', { accountId: a, ids: bobData.threadIds }, 'thread-get'],
      [
        'Email/query',
        { accountId: a, filter: { inMailbox: bobData.mailboxIds[0] } },
        'email-query-in-bob-mailbox',
      ],
      [
        'Email/set',
        {
          accountId: a,
          update: Object.fromEntries(bobData.emailIds.map((id) => [id, { 'keywords/$flagged': true }])),
        },
        'email-set',
      ],
      ['Email/set', { accountId: a, destroy: bobData.emailIds }, 'email-destroy'],
      ['Email/parse', { accountId: a, blobIds: bobData.blobIds }, 'email-parse'],
      [
        'Mailbox/set',
        {
          accountId: a,
          update: Object.fromEntries(bobData.mailboxIds.map((id) => [id, { name: 'stolen' }])),
          destroy: bobData.mailboxIds,
        },
        'mailbox-set',
      ],
      [
        'Email/copy',
        { fromAccountId: a, accountId: a, create: { c1: { id: bobData.emailIds[0], mailboxIds: {} } } },
        'email-copy',
      ],
    ];
    const responses = await alice.device.request(calls, [
      CORE_CAPABILITY,
      MAIL_CAPABILITY,
      SUBMISSION_CAPABILITY,
    ]);
    for (const [index, response] of responses.entries()) expectNothingOfBob(response, calls[index]![2]);

    const byId = (call: string) => responses.find((entry) => entry[2] === call)![1];
    expect(byId('email-get')['list']).toEqual([]);
    expect([...(byId('email-get')['notFound'] as string[])].sort()).toEqual([...bobData.emailIds].sort());
    expect(byId('mailbox-get')['list']).toEqual([]);
    expect([...(byId('mailbox-get')['notFound'] as string[])].sort()).toEqual([...bobData.mailboxIds].sort());
    expect(byId('thread-get')['list']).toEqual([]);
    expect([...(byId('thread-get')['notFound'] as string[])].sort()).toEqual(
      [...new Set(bobData.threadIds)].sort(),
    );
  });

  it("cannot fetch the other account's blobs through the download URL", async () => {
    const session = (await (
      await fetch(suite.platform.sessionUrl, { headers: { authorization: `Bearer ${alice.token}` } })
    ).json()) as { downloadUrl: string; accounts: Record<string, unknown> };
    expect(Object.keys(session.accounts)).toEqual([alice.accountId]);
    for (const accountId of [bob.accountId, alice.accountId]) {
      const url = session.downloadUrl
        .replace('{accountId}', accountId)
        .replace('{blobId}', bobData.blobIds[0]!)
        .replace('{name}', 'mail.eml')
        .replace('{type}', 'message/rfc822');
      const response = await fetch(url, { headers: { authorization: `Bearer ${alice.token}` } });
      const body = await response.text();
      expect(
        response.status,
        `${accountId === bob.accountId ? "Bob's" : "Alice's"} account: ${body.slice(0, 200)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(body).not.toContain(bobData.subject);
    }
  });

  it("never pushes the other account's state changes, whatever push state the device claims", async () => {
    alice.device.enablePush(bobData.state, null);
    bob.device.enablePush(undefined, null);
    await alice.device.request([['Core/echo', {}, 'e']]);
    await bob.device.request([['Core/echo', {}, 'e']]);
    const bobChange = bob.device.nextStateChange(10_000);
    await deliver(bob.address, `another for bob ${randomUUID().slice(0, 6)}`);
    await bobChange;
    // A change of Alice's own proves her push works, so silence about Bob means something.
    const aliceChange = alice.device.nextStateChange(
      10_000,
      (change) => change.changed[alice.accountId]?.['Email'] !== undefined,
    );
    await deliver(alice.address, `another for alice ${randomUUID().slice(0, 6)}`);
    await aliceChange;
    const stateChanges = alice.device.received.filter((message) => message['@type'] === 'StateChange');
    expect(stateChanges.length).toBeGreaterThan(0);
    for (const change of stateChanges) {
      expect(Object.keys(change['changed'] as Record<string, unknown>)).toEqual([alice.accountId]);
    }
  });

  it("leaves the other account's mail exactly as it was", async () => {
    const responses = await bob.device.request([
      [
        'Email/get',
        {
          accountId: bob.accountId,
          ids: bobData.emailIds,
          properties: ['keywords', 'mailboxIds', 'subject'],
        },
        'g',
      ],
      ['Mailbox/get', { accountId: bob.accountId, ids: bobData.mailboxIds, properties: ['name'] }, 'm'],
    ]);
    const emails = responses[0]![1]['list'] as Array<{ keywords: Record<string, boolean>; subject: string }>;
    expect(emails).toHaveLength(bobData.emailIds.length);
    for (const email of emails) {
      expect(email.keywords['$seen'] ?? false).toBe(false);
      expect(email.keywords['$flagged'] ?? false).toBe(false);
    }
    const names = (responses[1]![1]['list'] as Array<{ name: string }>).map((mailbox) => mailbox.name);
    expect(names).toHaveLength(bobData.mailboxIds.length);
    expect(names).not.toContain('stolen');
  });
});

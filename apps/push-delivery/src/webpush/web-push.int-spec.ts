import { CORE_CAPABILITY, WEBPUSH_VAPID_CAPABILITY } from '@pushmail/jmap';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountTopic, deviceCredentialsTopic, mailboxChangedTopic } from '@pushmail/contracts';
import { createKafka, createLogger, EventProducer } from '@pushmail/platform';
import {
  credentialsSnapshot,
  expectEventually,
  listenWithOwnDatabase,
  requiredEnv,
  WebPushReceiver,
  type ReceivedPush,
  type ServiceWithDatabase,
} from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { pushService } from '../service.js';

const kafkaBrokers = requiredEnv('KAFKA_BROKERS');

type Invocation = [string, Record<string, unknown>, string];

describe('Web Push (RFC 8620 §7.2, RFC 8291, RFC 8292)', () => {
  const logger = createLogger('web-push-test', 'warn');
  const producer = new EventProducer(
    createKafka({ brokers: kafkaBrokers.split(','), clientId: 'web-push-test', logger }),
    logger,
  );
  const accountId = randomUUID();
  const token = `pmd_${randomBytes(32).toString('base64url')}`;
  const vapid = webpush.generateVAPIDKeys();
  const subject = 'mailto:push-admin@example.com';
  let receiver: WebPushReceiver;
  /** Mailbox as far as this suite needs it: the limits the session advertises. */
  let mailbox: Server;
  let service: ServiceWithDatabase;
  let baseUrl: string;
  let state = 100;

  const jmap = async (methodCalls: Invocation[]): Promise<Invocation[]> => {
    const response = await fetch(`${baseUrl}/jmap/api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ using: [CORE_CAPABILITY], methodCalls }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { methodResponses: Invocation[] }).methodResponses;
  };

  const publishChange = (changed: Record<string, string>) => {
    state += 1;
    return producer.publish(mailboxChangedTopic, [
      {
        eventId: randomUUID(),
        accountId,
        state: String(state),
        changed,
        cause: 'delivery' as const,
        createdEmailIds: [],
        occurredAt: new Date().toISOString(),
      },
    ]);
  };

  const pushesTo = (path: string, type: string): ReceivedPush[] =>
    receiver.received.filter((push) => push.path === path && push.text.includes(`"@type":"${type}"`));

  /** Creates a subscription at `path` and returns its id and the code the receiver got. */
  const subscribe = async (path: string, extra: Record<string, unknown> = {}) => {
    const [[name, result]] = (await jmap([
      [
        'PushSubscription/set',
        {
          create: {
            s: {
              deviceClientId: `client-${path}`,
              url: `${receiver.url}${path}`,
              keys: receiver.keys,
              ...extra,
            },
          },
        },
        'c',
      ],
    ])) as [Invocation];
    expect(name).toBe('PushSubscription/set');
    const created = (result['created'] as Record<string, Record<string, unknown>> | null)?.['s'];
    expect(created?.['id'], JSON.stringify(result)).toEqual(expect.any(String));
    const verification = await expectEventually(
      () => {
        const [push] = pushesTo(path, 'PushVerification');
        expect(push).toBeDefined();
        return push!;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    return { id: created!['id'] as string, created: created!, verification };
  };

  beforeAll(async () => {
    receiver = await WebPushReceiver.start();
    mailbox = createServer((request, response) => {
      if (request.url !== '/internal/jmap/limits') return void response.writeHead(404).end();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ submission: { maxHoldSeconds: 3600 } }));
    });
    await new Promise<void>((resolve) => mailbox.listen(0, '127.0.0.1', resolve));
    service = await listenWithOwnDatabase(pushService, {
      INTERNAL_TOKEN: randomBytes(24).toString('base64url'),
      MAILBOX_URL: `http://127.0.0.1:${(mailbox.address() as AddressInfo).port}`,
      PUBLIC_URL: 'http://push.example.test',
      WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
      WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
      WEBPUSH_SUBJECT: subject,
      // The receiver is on loopback: allowed here only, by the switch for tests and development.
      WEBPUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
      WEBPUSH_MAX_EXPIRY_DAYS: '7',
      WEBPUSH_MAX_SUBSCRIPTIONS_PER_ACCOUNT: '4',
    });
    baseUrl = service.baseUrl;
    await producer.connect();
    await producer.publish(accountTopic, [
      {
        accountId,
        revision: 1,
        address: `wp-${accountId.slice(0, 8)}@example.com`,
        status: 'active',
        updatedAt: new Date().toISOString(),
      },
    ]);
    await producer.publish(deviceCredentialsTopic, [
      credentialsSnapshot(accountId, [
        { deviceId: 'phone', tokenSha256: [createHash('sha256').update(token).digest('hex')] },
      ]),
    ]);
    await expectEventually(
      async () =>
        expect(
          (await fetch(`${baseUrl}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } }))
            .status,
        ).toBe(200),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await producer.disconnect();
    await receiver?.close();
    await new Promise((resolve) => mailbox?.close(resolve));
  });

  it('advertises the VAPID application server key in the session', async () => {
    const session = (await (
      await fetch(`${baseUrl}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { capabilities: Record<string, Record<string, unknown>> };
    expect(session.capabilities[WEBPUSH_VAPID_CAPABILITY]).toEqual({ applicationServerKey: vapid.publicKey });
  });

  it('verifies a subscription, then pushes encrypted StateChanges of its types only, signed with the VAPID key', async () => {
    const unverified = await subscribe('/unverified');
    const { id, created, verification } = await subscribe('/phone', {
      types: ['Email'],
      expires: '2099-01-01T00:00:00Z',
    });
    // The expiry asked for is past the server's maximum: the capped one is returned.
    const expires = Date.parse(created['expires'] as string);
    expect(expires).toBeGreaterThan(Date.now() + 6 * 24 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3_600_000);

    // The PushVerification came encrypted (RFC 8291) and VAPID-signed with the advertised key.
    expect(verification.problem).toBeUndefined();
    expect(verification.headers['content-encoding']).toBe('aes128gcm');
    expect(verification.vapid?.publicKey).toBe(vapid.publicKey);
    expect(verification.vapid?.claims).toMatchObject({ aud: receiver.url, sub: subject });
    expect(verification.vapid?.claims['exp']).toBeGreaterThan(Date.now() / 1000);
    const code = (JSON.parse(verification.text) as Record<string, unknown>)['verificationCode'];
    expect(JSON.parse(verification.text)).toEqual({
      '@type': 'PushVerification',
      pushSubscriptionId: id,
      verificationCode: expect.any(String),
    });

    // A wrong code is refused; the right one verifies.
    const [[, wrong]] = (await jmap([
      ['PushSubscription/set', { update: { [id]: { verificationCode: 'guess' } } }, 'u'],
    ])) as [Invocation];
    expect(wrong['notUpdated']).toMatchObject({ [id]: { type: 'invalidProperties' } });
    const [[, right]] = (await jmap([
      ['PushSubscription/set', { update: { [id]: { verificationCode: code } } }, 'u'],
    ])) as [Invocation];
    expect(right['updated']).toEqual({ [id]: null });

    // push-delivery's consumer starts at the latest offset once joined: publish until a push lands.
    await expectEventually(
      async () => {
        await publishChange({ Email: `e${state + 1}` });
        await expectEventually(() => expect(pushesTo('/phone', 'StateChange').length).toBeGreaterThan(0), {
          timeoutMs: 1000,
          intervalMs: 50,
        });
      },
      { timeoutMs: 60_000, intervalMs: 0 },
    );
    const seen = pushesTo('/phone', 'StateChange').length;

    // A change of a type it did not ask for is not pushed; the next Email change is, alone.
    await publishChange({ Mailbox: `m${state + 1}` });
    await publishChange({ Email: `e${state + 1}`, Mailbox: `m${state + 1}` });
    const next = await expectEventually(
      () => {
        const pushes = pushesTo('/phone', 'StateChange');
        expect(pushes.length).toBeGreaterThan(seen);
        return pushes[seen]!;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(next.problem).toBeUndefined();
    expect(JSON.parse(next.text)).toEqual({
      '@type': 'StateChange',
      changed: { [accountId]: { Email: `e${state}` } },
    });
    expect(next.headers['ttl']).toBeDefined();
    expect(next.vapid?.publicKey).toBe(vapid.publicKey);
    // Changes go out in order, so by now every earlier one was weighed: none for the unverified one.
    expect(pushesTo('/unverified', 'StateChange')).toEqual([]);

    // get never hands back url or keys, and shows the subscription's types and capped expiry.
    const [[, got]] = (await jmap([
      ['PushSubscription/get', { ids: [id, unverified.id, randomUUID()] }, 'g'],
    ])) as [Invocation];
    expect(got['list']).toEqual([
      expect.objectContaining({ id: unverified.id, verificationCode: null, types: null }),
      expect.objectContaining({
        id,
        deviceClientId: 'client-/phone',
        verificationCode: code,
        types: ['Email'],
      }),
    ]);
    expect(JSON.stringify(got)).not.toContain(receiver.url);
    const [[kind, refused]] = (await jmap([['PushSubscription/get', { properties: ['url'] }, 'g']])) as [
      Invocation,
    ];
    expect([kind, refused['type']]).toEqual(['error', 'forbidden']);
  });

  it('forgets a subscription whose push service answers 410 Gone', async () => {
    const { id, verification } = await subscribe('/gone');
    const code = (JSON.parse(verification.text) as Record<string, unknown>)['verificationCode'];
    await jmap([['PushSubscription/set', { update: { [id]: { verificationCode: code } } }, 'u']]);
    receiver.status = 410;
    try {
      await expectEventually(
        async () => {
          await publishChange({ Email: `e${state + 1}` });
          const [[, got]] = (await jmap([['PushSubscription/get', { ids: [id] }, 'g']])) as [Invocation];
          expect(got['notFound']).toEqual([id]);
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
    } finally {
      receiver.status = 201;
    }
  });

  it('refuses subscriptions it cannot or must not push to, with invalidProperties naming the property', async () => {
    const [[, result]] = (await jmap([
      [
        'PushSubscription/set',
        {
          create: {
            noUrl: { deviceClientId: 'x' },
            badKeys: {
              deviceClientId: 'x',
              url: `${receiver.url}/k`,
              keys: { p256dh: 'AAAA', auth: 'BBBB' },
            },
            serverSet: { deviceClientId: 'x', url: `${receiver.url}/v`, verificationCode: 'mine' },
            notUrl: { deviceClientId: 'x', url: 'javascript:alert(1)' },
            past: { deviceClientId: 'x', url: `${receiver.url}/p`, expires: '2001-01-01T00:00:00Z' },
            badTypes: { deviceClientId: 'x', url: `${receiver.url}/t`, types: ['Email', 'no such\ntype'] },
          },
          destroy: ['not-an-id'],
        },
        's',
      ],
    ])) as [Invocation];
    const [[withAccount, withAccountError]] = (await jmap([
      ['PushSubscription/get', { accountId }, 'g'],
    ])) as [Invocation];
    // There is no accountId argument: subscriptions belong to the credentials (RFC 8620 §7.2).
    expect([withAccount, withAccountError['type']]).toEqual(['error', 'invalidArguments']);
    expect(result['created']).toBeNull();
    expect(result['notCreated']).toEqual({
      noUrl: expect.objectContaining({ type: 'invalidProperties', properties: ['url'] }),
      badKeys: expect.objectContaining({ type: 'invalidProperties', properties: ['keys'] }),
      serverSet: expect.objectContaining({ type: 'invalidProperties', properties: ['verificationCode'] }),
      notUrl: expect.objectContaining({ type: 'invalidProperties', properties: ['url'] }),
      past: expect.objectContaining({ type: 'invalidProperties', properties: ['expires'] }),
      badTypes: expect.objectContaining({ type: 'invalidProperties', properties: ['types'] }),
    });
    expect(result['notDestroyed']).toEqual({ 'not-an-id': expect.objectContaining({ type: 'notFound' }) });
  });

  it('refuses a subscription past WEBPUSH_MAX_SUBSCRIPTIONS_PER_ACCOUNT with overQuota', async () => {
    const create = Object.fromEntries(
      ['q1', 'q2', 'q3', 'q4', 'q5'].map((key) => [
        key,
        { deviceClientId: key, url: `${receiver.url}/${key}`, keys: receiver.keys },
      ]),
    );
    const [[, result]] = (await jmap([['PushSubscription/set', { create }, 's']])) as [Invocation];
    const [[, all]] = (await jmap([['PushSubscription/get', { ids: null }, 'g']])) as [Invocation];
    expect(all['list']).toHaveLength(4);
    const refused = Object.values((result['notCreated'] ?? {}) as Record<string, { type: string }>);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((error) => error.type === 'overQuota')).toBe(true);
  });
});

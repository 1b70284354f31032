import { CORE_CAPABILITY, MAIL_CAPABILITY } from '@pushmail/jmap';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { expectEventually, WebPushReceiver, type Invocation } from '@pushmail/testing';
import { deliver, newAccount, useSuitePlatform } from './support/e2e-platform.js';

/**
 * A phone app in the background holds no socket: it is reached by Web Push. The receiver is the
 * push service and the phone in one, on loopback, which only the test switch lets the server reach.
 */
describe('Web Push: a backgrounded phone learns of new mail without a socket', () => {
  const vapid = webpush.generateVAPIDKeys();
  let receiver: WebPushReceiver;

  // Registered before the platform's hooks, so the receiver closes after the services stopped.
  afterAll(async () => {
    await receiver?.close();
  });
  const suite = useSuitePlatform('web-push', async () => {
    receiver = await WebPushReceiver.start();
    return {
      mailDomains: ['example.com'],
      serviceEnv: {
        'push-delivery': {
          WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
          WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
          WEBPUSH_SUBJECT: 'mailto:postmaster@example.com',
          WEBPUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
        },
      },
    };
  });

  it('verifies the subscription, then a mail over SMTP arrives as an encrypted, VAPID-signed StateChange', async () => {
    const { address, password, accountId } = await newAccount(suite.registry);
    const device = await suite.registry.registerDevice(address, password, {
      deviceId: `phone-${randomUUID().slice(0, 8)}`,
    });
    const jmap = async (methodCalls: Invocation[]): Promise<Invocation[]> => {
      const response = await fetch(suite.platform.sessionUrl.replace('/.well-known/jmap', '/jmap/api'), {
        method: 'POST',
        headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          using: [CORE_CAPABILITY, MAIL_CAPABILITY],
          methodCalls,
        }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { methodResponses: Invocation[] }).methodResponses;
    };
    const session = await expectEventually(
      async () => {
        const response = await fetch(suite.platform.sessionUrl, {
          headers: { authorization: `Bearer ${device.token}` },
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { capabilities: Record<string, Record<string, unknown>> };
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(session.capabilities['urn:ietf:params:jmap:webpush-vapid']).toEqual({
      applicationServerKey: vapid.publicKey,
    });

    const path = `/phone-${randomUUID().slice(0, 6)}`;
    const [[, set]] = (await jmap([
      [
        'PushSubscription/set',
        {
          create: {
            p: {
              deviceClientId: 'phone-app',
              url: `${receiver.url}${path}`,
              keys: receiver.keys,
              types: ['Email'],
            },
          },
        },
        's',
      ],
    ])) as [Invocation];
    const id = (set['created'] as Record<string, { id: string }>)['p']!.id;
    const verification = await expectEventually(
      () => {
        const push = receiver.received.find((item) => item.path === path);
        expect(push).toBeDefined();
        return push!;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const { verificationCode } = JSON.parse(verification.text) as { verificationCode: string };
    const [[, verified]] = (await jmap([
      ['PushSubscription/set', { update: { [id]: { verificationCode } } }, 'v'],
    ])) as [Invocation];
    expect(verified['updated']).toEqual({ [id]: null });

    const [[, before]] = (await jmap([['Email/get', { accountId, ids: [] }, 'g']])) as [Invocation];
    // push-delivery joins the change stream at its latest offset: mail until a push lands.
    const push = await expectEventually(
      async () => {
        await deliver(suite.platform, address, `web push ${randomUUID().slice(0, 6)}`, {
          text: 'for a phone in a pocket',
        });
        return expectEventually(
          () => {
            const found = receiver.received.find(
              (item) => item.path === path && item.text.includes('"StateChange"'),
            );
            expect(found).toBeDefined();
            return found!;
          },
          { timeoutMs: 5000, intervalMs: 50 },
        );
      },
      { timeoutMs: 60_000, intervalMs: 0 },
    );
    expect(push.problem).toBeUndefined();
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(push.vapid?.publicKey).toBe(vapid.publicKey);
    expect(push.vapid?.claims).toMatchObject({ aud: receiver.url, sub: 'mailto:postmaster@example.com' });
    const change = JSON.parse(push.text) as {
      '@type': string;
      changed: Record<string, Record<string, string>>;
    };
    expect(change['@type']).toBe('StateChange');
    expect(Object.keys(change.changed)).toEqual([accountId]);
    expect(Object.keys(change.changed[accountId]!)).toEqual(['Email']);

    // The phone wakes up and fetches what the push announced.
    const [[, changes]] = (await jmap([
      ['Email/changes', { accountId, sinceState: before['state'] }, 'c'],
    ])) as [Invocation];
    expect((changes['created'] as string[]).length).toBeGreaterThanOrEqual(1);
  });
});

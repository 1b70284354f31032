import { createLogger } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { expectEventually } from '@pushmail/testing';
import { pushConfigSchema } from '../config/push-config.js';
import type { PushSubscriptionStore, StoredSubscription } from './push-subscription.store.js';
import { WebPush } from './web-push.service.js';
import type { PushOutcome, PushTarget, WebPushSender } from './web-push.sender.js';

const accountId = '6f1d2c3b-0000-4000-8000-000000000001';

function subscription(id: string, url: string, types: string[] | null = null): StoredSubscription {
  return {
    id,
    accountId,
    deviceClientId: id,
    url,
    keys: null,
    verificationCode: 'code',
    verified: true,
    expires: new Date(Date.now() + 3_600_000),
    types,
  };
}

/** A store whose claim hands out the given subscriptions for every state, and a sender that records. */
function setUp(subscriptions: StoredSubscription[], rate: { perSecond: number; burst: number }) {
  const sent: Array<{ url: string; payload: Record<string, unknown>; at: number }> = [];
  const outcomes: PushOutcome[] = [];
  const forgotten: string[] = [];
  const store = {
    claimForState: async () => subscriptions,
    forget: async (id: string) => void forgotten.push(id),
    purgeExpiredAndCount: async () => 0,
    insert: async () => undefined,
    close: async () => undefined,
  } as unknown as PushSubscriptionStore;
  const sender = {
    send: async (target: PushTarget, payload: string) => {
      sent.push({ url: target.url, payload: JSON.parse(payload) as Record<string, unknown>, at: Date.now() });
      return outcomes.shift() ?? { kind: 'delivered', status: 201 };
    },
  } as unknown as WebPushSender;
  const config = pushConfigSchema.parse({
    KAFKA_BROKERS: 'localhost:9092',
    INTERNAL_TOKEN: 'x'.repeat(32),
    WEBPUSH_VAPID_PUBLIC_KEY: 'B'.repeat(87),
    WEBPUSH_RATE_PER_SECOND: String(rate.perSecond),
    WEBPUSH_RATE_BURST: String(rate.burst),
  });
  const webPush = new WebPush(
    store,
    sender,
    { ...config, WEBPUSH_VAPID_PUBLIC_KEY: 'B'.repeat(87) },
    createLogger('web-push-spec', 'silent'),
    50,
  );
  let state = 0;
  const change = (changed: Record<string, string>) =>
    webPush.notify({ accountId, changed, state: String((state += 1)), receivedAt: performance.now() });
  /** PushSubscription/set creating one subscription to `url`: its verification is pushed. */
  const subscribe = (url: string) =>
    webPush.methods.call(accountId, [
      'PushSubscription/set',
      { create: { n: { deviceClientId: `client-${url}`, url } } },
      'c',
    ]);
  return { webPush, sent, outcomes, forgotten, change, subscribe };
}

describe(WebPush.name, () => {
  it('holds pushes to one push service to its rate, and lets another service through meanwhile', async () => {
    const { sent, change } = setUp(
      [
        subscription('a', 'https://push.one.example/a'),
        subscription('b', 'https://push.one.example/b'),
        subscription('c', 'https://push.one.example/c'),
        subscription('d', 'https://push.two.example/d'),
      ],
      { perSecond: 10, burst: 1 },
    );
    change({ Email: 'e1' });
    await expectEventually(() => expect(sent).toHaveLength(4), { timeoutMs: 5000, intervalMs: 10 });
    const one = sent.filter((push) => push.url.includes('push.one'));
    // One at once (the burst), then one per 100 ms.
    expect(one[2]!.at - one[0]!.at).toBeGreaterThanOrEqual(150);
    const two = sent.find((push) => push.url.includes('push.two'))!;
    expect(two.at - one[0]!.at).toBeLessThan(100);
  });

  it("holds verifications to a push service's rate, as it holds StateChanges", async () => {
    const { sent, change, subscribe } = setUp([subscription('a', 'https://push.one.example/a')], {
      perSecond: 2,
      burst: 1,
    });
    change({ Email: 'e1' });
    await expectEventually(() => expect(sent).toHaveLength(1), { timeoutMs: 5000, intervalMs: 10 });
    await subscribe('https://push.one.example/new-1');
    await subscribe('https://push.one.example/new-2');
    const otherSubscribedAt = Date.now();
    await subscribe('https://push.two.example/new-3');
    await expectEventually(() => expect(sent).toHaveLength(4), { timeoutMs: 5000, intervalMs: 10 });
    const verifications = sent.filter((push) => push.payload['@type'] === 'PushVerification');
    expect(verifications.map((push) => push.url).sort()).toEqual([
      'https://push.one.example/new-1',
      'https://push.one.example/new-2',
      'https://push.two.example/new-3',
    ]);
    const one = sent.filter((push) => push.url.includes('push.one'));
    // The StateChange took the burst; then one push per 500 ms, verifications included.
    expect(one[1]!.at - one[0]!.at).toBeGreaterThanOrEqual(450);
    expect(one[2]!.at - one[0]!.at).toBeGreaterThanOrEqual(950);
    // Another push service's bucket is its own: its verification does not wait.
    const two = sent.find((push) => push.url.includes('push.two'))!;
    expect(two.at - otherSubscribedAt).toBeLessThan(400);
  });

  it('merges changes that arrive while a push waits into one StateChange with the newest state of each type', async () => {
    const { sent, change } = setUp([subscription('a', 'https://push.one.example/a')], {
      perSecond: 4,
      burst: 1,
    });
    change({ Email: 'e1' });
    change({ Mailbox: 'm2' });
    change({ Email: 'e3' });
    await expectEventually(() => expect(sent).toHaveLength(2), { timeoutMs: 5000, intervalMs: 10 });
    expect(sent.map((push) => push.payload['changed'])).toEqual([
      { [accountId]: { Email: 'e1' } },
      { [accountId]: { Mailbox: 'm2', Email: 'e3' } },
    ]);
  });

  it('retries a push the service failed with backoff, forgets a gone subscription, and gives up on a 400', async () => {
    const retried = setUp([subscription('a', 'https://push.one.example/a')], { perSecond: 100, burst: 100 });
    retried.outcomes.push(
      { kind: 'failed', status: 503, reason: 'unavailable' },
      { kind: 'failed', reason: 'ECONNRESET' },
    );
    retried.change({ Email: 'e1' });
    await expectEventually(() => expect(retried.sent).toHaveLength(3), { timeoutMs: 5000, intervalMs: 10 });
    // 50 ms, then 200 ms.
    expect(retried.sent[2]!.at - retried.sent[0]!.at).toBeGreaterThanOrEqual(230);

    const gone = setUp([subscription('g', 'https://push.one.example/g')], { perSecond: 100, burst: 100 });
    gone.outcomes.push({ kind: 'gone', status: 410 });
    gone.change({ Email: 'e1' });
    await expectEventually(() => expect(gone.forgotten).toEqual(['g']), { timeoutMs: 5000, intervalMs: 10 });

    const refused = setUp([subscription('r', 'https://push.one.example/r')], { perSecond: 100, burst: 100 });
    refused.outcomes.push({ kind: 'failed', status: 400, reason: 'bad request' });
    refused.change({ Email: 'e1' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(refused.sent).toHaveLength(1);
  });

  it.each<{
    does: string;
    asked: string[];
    changes: Array<Record<string, string>>;
    pushed: Record<string, string>;
  }>([
    {
      does: 'sends only the types a subscription asked for, and nothing when none of them changed',
      asked: ['Email'],
      changes: [{ Mailbox: 'm1' }, { Email: 'e2', Mailbox: 'm2' }],
      pushed: { Email: 'e2' },
    },
    {
      does: 'pushes Identity and EmailSubmission changes to a subscription that asked for them',
      asked: ['EmailSubmission'],
      changes: [{ Identity: 'i3' }, { Email: 'e4', EmailSubmission: 's4' }],
      pushed: { EmailSubmission: 's4' },
    },
  ])('$does', async ({ asked, changes, pushed }) => {
    const { sent, change } = setUp([subscription('s', 'https://push.one.example/s', asked)], {
      perSecond: 100,
      burst: 100,
    });
    for (const changed of changes) change(changed);
    await expectEventually(() => expect(sent).toHaveLength(1), { timeoutMs: 5000, intervalMs: 10 });
    expect(sent[0]!.payload).toEqual({ '@type': 'StateChange', changed: { [accountId]: pushed } });
  });
});

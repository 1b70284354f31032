import { Global, Module, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { PushConfig } from '../config/push-config.js';
import type { AccountChange } from '../push/change-coalescer.js';
import { PushSubscriptionMethods } from './push-subscription.methods.js';
import { PushSubscriptionStore, type StoredSubscription } from './push-subscription.store.js';
import { WebPushSender, type PushOutcome } from './web-push.sender.js';

/** How long a push service keeps a StateChange for an offline device: a later one supersedes it anyway. */
const STATE_CHANGE_TTL_SECONDS = 24 * 3600;
/** Attempts of one push, and the wait before the first retry (each next one four times longer). */
const ATTEMPTS = 3;
const FIRST_RETRY_MS = 2000;

export const WEB_PUSH = Symbol('WEB_PUSH');

/**
 * Web Push for one replica: the PushSubscription methods, and StateChanges pushed to verified
 * subscriptions. Every replica reads every change; the store's claim makes exactly one of them send
 * each state to each subscription, so a device is pushed once, not once per replica.
 */
export class WebPush implements OnModuleDestroy {
  readonly methods: PushSubscriptionMethods;
  readonly applicationServerKey: string;
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly store: PushSubscriptionStore,
    private readonly sender: WebPushSender,
    config: PushConfig & { WEBPUSH_VAPID_PUBLIC_KEY: string },
    private readonly log: Logger,
  ) {
    this.applicationServerKey = config.WEBPUSH_VAPID_PUBLIC_KEY;
    this.methods = new PushSubscriptionMethods(
      store,
      sender,
      {
        maxExpiryDays: config.WEBPUSH_MAX_EXPIRY_DAYS,
        maxPerAccount: config.WEBPUSH_MAX_SUBSCRIPTIONS_PER_ACCOUNT,
        policy: { allowPrivate: config.WEBPUSH_ALLOW_PRIVATE_ENDPOINTS },
      },
      (id, reason) => this.log.info({ subscriptionId: id, reason }, 'a push verification was not delivered'),
    );
  }

  /** Called for each coalesced account change; never holds up the consumer. */
  notify(change: AccountChange): void {
    if (this.closed) return;
    const work = this.pushChange(change).catch((error: unknown) =>
      this.log.warn({ err: error, accountId: change.accountId }, 'web push of a change failed'),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async pushChange(change: AccountChange): Promise<void> {
    const claimed = await this.store.claimForState(change.accountId, change.state);
    for (const subscription of claimed) {
      const changed = Object.fromEntries(
        Object.entries(change.changed).filter(
          ([type]) => subscription.types === null || subscription.types.includes(type),
        ),
      );
      if (Object.keys(changed).length === 0) continue;
      const payload = JSON.stringify({ '@type': 'StateChange', changed: { [change.accountId]: changed } });
      this.attempt(subscription, payload, 1);
    }
  }

  private attempt(subscription: StoredSubscription, payload: string, attempt: number): void {
    const work = this.sender
      .send(subscription, payload, STATE_CHANGE_TTL_SECONDS)
      .then((outcome) => this.settle(subscription, payload, attempt, outcome));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async settle(
    subscription: StoredSubscription,
    payload: string,
    attempt: number,
    outcome: PushOutcome,
  ): Promise<void> {
    if (outcome.kind === 'delivered') return;
    if (outcome.kind === 'gone') {
      // RFC 8030 §7.3: the subscription ended at the push service; pushing to it again is pointless.
      this.log.info(
        { subscriptionId: subscription.id, status: outcome.status },
        'forgetting a gone push subscription',
      );
      await this.store.forget(subscription.id);
      return;
    }
    if (
      attempt >= ATTEMPTS ||
      this.closed ||
      (outcome.status !== undefined && outcome.status < 500 && outcome.status !== 429)
    ) {
      this.log.info(
        { subscriptionId: subscription.id, reason: outcome.reason, attempt },
        'giving up on a web push; the device catches up with its next push or sync',
      );
      return;
    }
    const wait = Math.max(outcome.retryAfterMs ?? 0, FIRST_RETRY_MS * 4 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.attempt(subscription, payload, attempt + 1);
    }, wait);
    timer.unref();
    this.timers.add(timer);
  }

  /** Waits for pushes under way (bounded); retries not yet due are dropped. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
    await this.store.close();
  }
}

/** Web Push when configured (a VAPID key pair and a database), else null: the capability is not offered. */
async function webPushFor(
  config: PushConfig,
  logger: Logger,
  readiness: ReadinessRegistry,
): Promise<WebPush | null> {
  const {
    WEBPUSH_VAPID_PUBLIC_KEY: publicKey,
    WEBPUSH_VAPID_PRIVATE_KEY: privateKey,
    DATABASE_URL: databaseUrl,
  } = config;
  const log = logger.child({ component: 'web-push' });
  if (!publicKey || !privateKey || !databaseUrl) {
    if (publicKey || privateKey) log.warn('Web Push is off: it needs both VAPID keys and DATABASE_URL');
    return null;
  }
  const store = await PushSubscriptionStore.open(databaseUrl, config.DATABASE_STATEMENT_TIMEOUT_MS, log);
  readiness.register('postgres', async () => {
    await store.ping();
    return true;
  });
  const sender = new WebPushSender(
    { subject: config.WEBPUSH_SUBJECT, publicKey, privateKey },
    { allowPrivate: config.WEBPUSH_ALLOW_PRIVATE_ENDPOINTS },
    config.WEBPUSH_TIMEOUT_MS,
  );
  if (config.WEBPUSH_ALLOW_PRIVATE_ENDPOINTS)
    log.warn(
      'WEBPUSH_ALLOW_PRIVATE_ENDPOINTS is on: push URLs may point inside the network (development only)',
    );
  return new WebPush(store, sender, { ...config, WEBPUSH_VAPID_PUBLIC_KEY: publicKey }, log);
}

@Global()
@Module({
  providers: [
    {
      provide: WEB_PUSH,
      inject: [CONFIG, LOGGER, ReadinessRegistry],
      useFactory: webPushFor,
    },
  ],
  exports: [WEB_PUSH],
})
export class WebPushModule {}

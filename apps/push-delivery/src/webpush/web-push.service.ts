import { Global, Module, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import { DeviceRateLimiter } from '../api/device-rate-limiter.js';
import type { PushConfig } from '../config/push-config.js';
import type { AccountChange } from '../push/change-coalescer.js';
import { PushSubscriptionMethods } from './push-subscription.methods.js';
import { PushSubscriptionStore, type StoredSubscription } from './push-subscription.store.js';
import { WebPushSender, type PushOutcome } from './web-push.sender.js';

/** How long a push service keeps a StateChange for an offline device: a later one supersedes it anyway. */
const STATE_CHANGE_TTL_SECONDS = 24 * 3600;
/** A verification the client has not read within an hour is stale: it subscribes again. */
const VERIFICATION_TTL_SECONDS = 3600;
/** Attempts of one push, and the wait before the first retry (each next one four times longer). */
const ATTEMPTS = 3;
const FIRST_RETRY_MS = 2000;

interface QueuedPush {
  subscription: StoredSubscription;
  accountId: string;
  changed: Record<string, string>;
  attempt: number;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

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
  private readonly queued = new Map<string, QueuedPush>();
  /** Per push service (URL origin): what one server may send it before it throttles or blocks us. */
  private readonly serviceRate: DeviceRateLimiter;
  private closed = false;

  constructor(
    private readonly store: PushSubscriptionStore,
    private readonly sender: WebPushSender,
    config: PushConfig & { WEBPUSH_VAPID_PUBLIC_KEY: string },
    private readonly log: Logger,
    private readonly retryBaseMs = FIRST_RETRY_MS,
  ) {
    this.applicationServerKey = config.WEBPUSH_VAPID_PUBLIC_KEY;
    this.serviceRate = new DeviceRateLimiter(config.WEBPUSH_RATE_PER_SECOND, config.WEBPUSH_RATE_BURST);
    this.methods = new PushSubscriptionMethods(
      store,
      {
        maxExpiryDays: config.WEBPUSH_MAX_EXPIRY_DAYS,
        maxPerAccount: config.WEBPUSH_MAX_SUBSCRIPTIONS_PER_ACCOUNT,
        policy: { allowPrivate: config.WEBPUSH_ALLOW_PRIVATE_ENDPOINTS },
      },
      (subscription, verification) => this.verify(subscription, verification),
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
      if (Object.keys(changed).length > 0) this.enqueue(subscription, change.accountId, changed, 1, 0);
    }
  }

  /**
   * One waiting push per subscription: a change arriving while one waits (for its push service's
   * rate, or for a retry) is merged into it, newer type states winning, so the device gets one
   * StateChange naming the latest state of every type, not a backlog.
   */
  private enqueue(
    subscription: StoredSubscription,
    accountId: string,
    changed: Record<string, string>,
    attempt: number,
    delayMs: number,
  ): void {
    const waiting = this.queued.get(subscription.id);
    if (waiting) {
      // A retry carries older states than what waits; a fresh change newer ones.
      waiting.changed = attempt > 1 ? { ...changed, ...waiting.changed } : { ...waiting.changed, ...changed };
      waiting.attempt = Math.min(waiting.attempt, attempt);
      return;
    }
    const entry: QueuedPush = { subscription, accountId, changed: { ...changed }, attempt };
    this.queued.set(subscription.id, entry);
    this.later(() => this.release(entry), delayMs);
  }

  /** Sends once the push service's bucket has a token; until then the entry keeps absorbing changes. */
  private release(entry: QueuedPush): void {
    if (this.closed) return;
    const wait = this.serviceRate.take(originOf(entry.subscription.url));
    if (wait > 0) return this.later(() => this.release(entry), wait);
    this.queued.delete(entry.subscription.id);
    const payload = JSON.stringify({ '@type': 'StateChange', changed: { [entry.accountId]: entry.changed } });
    const work = this.sender
      .send(entry.subscription, payload, STATE_CHANGE_TTL_SECONDS)
      .then((outcome) => this.settle(entry, outcome))
      .catch((error: unknown) =>
        this.log.warn({ err: error, subscriptionId: entry.subscription.id }, 'a web push failed'),
      );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /**
   * A PushVerification (RFC 8620 §7.2.2) waits for its push service's bucket like a StateChange:
   * creating subscriptions is a way to make this server push, so it must not bypass the rate.
   * It is sent once; a client that does not get it subscribes again.
   */
  private verify(subscription: StoredSubscription, verification: string): void {
    if (this.closed) return;
    const wait = this.serviceRate.take(originOf(subscription.url));
    if (wait > 0) return this.later(() => this.verify(subscription, verification), wait);
    const work = this.sender
      .send(subscription, verification, VERIFICATION_TTL_SECONDS)
      .then((outcome) => {
        if (outcome.kind !== 'delivered')
          this.log.info(
            { subscriptionId: subscription.id, reason: outcome.kind === 'gone' ? 'gone' : outcome.reason },
            'a push verification was not delivered',
          );
      })
      .catch((error: unknown) =>
        this.log.info(
          { err: error, subscriptionId: subscription.id },
          'a push verification was not delivered',
        ),
      );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private later(run: () => void, delayMs: number): void {
    if (delayMs <= 0) return run();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async settle(entry: QueuedPush, outcome: PushOutcome): Promise<void> {
    const { subscription, attempt } = entry;
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
    const retryable = outcome.status === undefined || outcome.status >= 500 || outcome.status === 429;
    if (attempt >= ATTEMPTS || this.closed || !retryable) {
      this.log.info(
        { subscriptionId: subscription.id, reason: outcome.reason, attempt },
        'giving up on a web push; the device catches up with its next push or sync',
      );
      return;
    }
    const wait = Math.max(outcome.retryAfterMs ?? 0, this.retryBaseMs * 4 ** (attempt - 1));
    this.enqueue(subscription, entry.accountId, entry.changed, attempt + 1, wait);
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

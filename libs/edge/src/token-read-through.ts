import type { CheckedToken } from '@pushmail/contracts';
import { positiveInt } from '@pushmail/platform';
import { z } from 'zod';
import { type RegistryAnswer, type RegistryClient, RegistryUnavailableError } from './registry-client.js';

/** Config of the read-through, the same in every device edge that authenticates device tokens. */
export const tokenCheckConfig = {
  /** How long one token check may take: a device waits on it during its handshake. */
  TOKEN_CHECK_TIMEOUT_MS: positiveInt(60_000).default(1000),
  /** Token checks per second a replica may ask of device-registry, sustained, and the burst. */
  TOKEN_CHECK_RATE_PER_SECOND: z.coerce.number().positive().default(20),
  TOKEN_CHECK_BURST: z.coerce.number().int().min(1).default(50),
  /** How long a device whose token device-registry confirmed waits for this replica's index. */
  TOKEN_CHECK_VIEW_WAIT_MS: positiveInt(60_000).default(3000),
};

export interface TokenCheckConfig {
  TOKEN_CHECK_TIMEOUT_MS: number;
  TOKEN_CHECK_RATE_PER_SECOND: number;
  TOKEN_CHECK_BURST: number;
  TOKEN_CHECK_VIEW_WAIT_MS: number;
}

/** How long a confirmed token is remembered at most while the index has not caught up. */
const CONFIRMED_TTL_MS = 30_000;

/** What a device edge's credentials index needs from device-registry and from itself. */
export interface TokenReadThroughDeps {
  /** device-registry's answer for a digest; throws RegistryUnavailableError when it cannot be asked. */
  check(tokenSha256: string): Promise<RegistryAnswer<CheckedToken>>;
  /** Resolves true once the index holds the account at `revision` or later, false after `timeoutMs`. */
  waitForRevision(accountId: string, revision: number, timeoutMs: number): Promise<boolean>;
}

export interface TokenReadThroughLimits {
  /** Registry calls per second this replica may make for tokens its index lacks, sustained. */
  perSecond: number;
  /** ...and the burst it may save up. */
  burst: number;
  /** How long a device waits for the index to catch up with a token device-registry confirmed. */
  viewWaitMs: number;
  /**
   * How long a confirmed token is remembered, so a device that retries does not ask the registry
   * again while the index is still behind; past it the registry is asked afresh.
   */
  confirmedTtlMs: number;
}

/**
 * What to make of a token the index did not hold. `indexed`: the index now holds the account at the
 * revision device-registry named, or a later one, and decides (a revocation that arrived meanwhile
 * stands). `unknown`: device-registry does not know the token or revoked it. `unavailable`: nobody
 * can tell yet; the device should retry after `retryAfterSeconds`, and must not be told its token
 * is bad.
 */
export type TokenVerdict =
  | { kind: 'indexed' }
  | { kind: 'unknown' }
  | {
      kind: 'unavailable';
      /** Why: device-registry gave no answer about the token, the check rate is spent, or the index lags. */
      reason: 'registry' | 'throttled' | 'index';
      detail: string;
      retryAfterSeconds: number;
    };

/** Every kind of TokenVerdict, in the order an edge's metrics list them. */
export const TOKEN_VERDICT_KINDS = ['indexed', 'unknown', 'unavailable'] as const satisfies ReadonlyArray<
  TokenVerdict['kind']
>;

interface Confirmed {
  accountId: string;
  revision: number;
  expiresAt: number;
}

/** Confirmed tokens past this many are swept of expired ones as new ones come. */
const SWEEP_ABOVE = 10_000;

/**
 * A device edge's read-through to device-registry for a token its credentials index does not hold:
 * a device that registered and connected at once, before the compacted topic reached this replica.
 * The registry is asked (rate-limited, one call per digest at a time, with a short timeout), and a
 * token it confirms is then waited for in the index, which alone admits a device: the socket, the
 * session and the mail gate all read the device's snapshot, and revocations keep reaching the edge
 * only through it. A positive answer is remembered until the index holds its revision (or for
 * `confirmedTtlMs` at most); a negative one is never remembered, as it costs one call to repeat.
 */
export class TokenReadThrough {
  private readonly confirmed = new Map<string, Confirmed>();
  private readonly inFlight = new Map<string, Promise<TokenVerdict>>();
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly deps: TokenReadThroughDeps,
    private readonly limits: TokenReadThroughLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limits.burst;
    this.refilledAt = now();
  }

  /** Confirmed tokens still waiting for the index. */
  get pending(): number {
    return this.confirmed.size;
  }

  /** The verdict for a digest the index lacks; callers asking for the same digest together share one. */
  resolve(tokenSha256: string): Promise<TokenVerdict> {
    let verdict = this.inFlight.get(tokenSha256);
    if (!verdict) {
      verdict = this.decide(tokenSha256).finally(() => this.inFlight.delete(tokenSha256));
      this.inFlight.set(tokenSha256, verdict);
    }
    return verdict;
  }

  private async decide(tokenSha256: string): Promise<TokenVerdict> {
    const remembered = this.confirmed.get(tokenSha256);
    if (remembered && remembered.expiresAt > this.now()) return this.awaitIndex(tokenSha256, remembered);
    this.confirmed.delete(tokenSha256);

    const waitMs = this.take();
    if (waitMs > 0) {
      return {
        kind: 'unavailable',
        reason: 'throttled',
        detail: 'too many unknown device tokens right now; retry shortly',
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      };
    }
    let answer: RegistryAnswer<CheckedToken>;
    try {
      answer = await this.deps.check(tokenSha256);
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      return {
        kind: 'unavailable',
        reason: 'registry',
        detail: 'device tokens cannot be checked right now; retry shortly',
        retryAfterSeconds: 5,
      };
    }
    if (!answer.ok) {
      if (answer.refusal.status === 401) return { kind: 'unknown' };
      // Anything else (a throttle, a request it found malformed) says nothing about the token.
      return {
        kind: 'unavailable',
        reason: 'registry',
        detail: 'device tokens cannot be checked right now; retry shortly',
        retryAfterSeconds: answer.refusal.retryAfterSeconds ?? 5,
      };
    }
    const entry: Confirmed = {
      accountId: answer.value.accountId,
      revision: answer.value.revision,
      expiresAt: this.now() + this.limits.confirmedTtlMs,
    };
    if (this.confirmed.size >= SWEEP_ABOVE) this.sweep();
    this.confirmed.set(tokenSha256, entry);
    return this.awaitIndex(tokenSha256, entry);
  }

  private async awaitIndex(tokenSha256: string, entry: Confirmed): Promise<TokenVerdict> {
    if (await this.deps.waitForRevision(entry.accountId, entry.revision, this.limits.viewWaitMs)) {
      // From here the index answers for this token, whatever it says.
      if (this.confirmed.get(tokenSha256) === entry) this.confirmed.delete(tokenSha256);
      return { kind: 'indexed' };
    }
    return {
      kind: 'unavailable',
      reason: 'index',
      detail: "this device's credentials are still loading; retry shortly",
      retryAfterSeconds: 1,
    };
  }

  /** Takes one registry call from the bucket: 0 when allowed, else the milliseconds until one is free. */
  private take(): number {
    const now = this.now();
    const { perSecond, burst } = this.limits;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / perSecond) * 1000);
  }

  private sweep(): void {
    const now = this.now();
    for (const [digest, entry] of this.confirmed) if (entry.expiresAt <= now) this.confirmed.delete(digest);
  }
}

/** The read-through of a device edge: its registry client, its index's revisions and its config. */
export function tokenReadThrough(
  registry: RegistryClient,
  index: Pick<TokenReadThroughDeps, 'waitForRevision'>,
  config: TokenCheckConfig,
): TokenReadThrough {
  return new TokenReadThrough(
    {
      check: (tokenSha256) => registry.checkToken(tokenSha256, config.TOKEN_CHECK_TIMEOUT_MS),
      waitForRevision: (accountId, revision, timeoutMs) =>
        index.waitForRevision(accountId, revision, timeoutMs),
    },
    {
      perSecond: config.TOKEN_CHECK_RATE_PER_SECOND,
      burst: config.TOKEN_CHECK_BURST,
      viewWaitMs: config.TOKEN_CHECK_VIEW_WAIT_MS,
      confirmedTtlMs: CONFIRMED_TTL_MS,
    },
  );
}

interface Entry<T> {
  value: T;
  accountId: string;
  expiresAt: number;
}

/** Past this many entries, expired ones are dropped as new ones come, so the cache stays bounded by the accounts in use. */
const SWEEP_ABOVE = 10_000;

/**
 * Successful password sign-ins, remembered briefly under a digest of everything that went into the
 * registry's decision (never the password itself), so argon2 does not run on every request. An
 * account's entries are forgotten as soon as its devices change; sign-ins of one key that arrive
 * together share one registry call.
 */
export class SignInCache<T, Outcome> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly keysByAccount = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<Outcome>>();

  constructor(private readonly ttlMs: () => number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
  }

  remember(key: string, accountId: string, value: T): void {
    const ttlMs = this.ttlMs();
    if (ttlMs <= 0) return;
    if (this.entries.size >= SWEEP_ABOVE) this.sweep();
    this.entries.set(key, { value, accountId, expiresAt: Date.now() + ttlMs });
    let keys = this.keysByAccount.get(accountId);
    if (!keys) {
      keys = new Set();
      this.keysByAccount.set(accountId, keys);
    }
    keys.add(key);
  }

  forgetAccount(accountId: string): void {
    for (const key of this.keysByAccount.get(accountId) ?? []) this.entries.delete(key);
    this.keysByAccount.delete(accountId);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) continue;
      this.entries.delete(key);
      this.keysByAccount.get(entry.accountId)?.delete(key);
    }
  }

  /** Runs `signIn` for `key` unless a sign-in of the same key is already under way. */
  once(key: string, signIn: () => Promise<Outcome>): Promise<Outcome> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = signIn().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}

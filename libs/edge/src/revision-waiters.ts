interface Waiter {
  revision: number;
  resolve: (reached: boolean) => void;
}

/**
 * Callers waiting until this replica's view of an account reaches a revision device-registry
 * just wrote: a change made there is then in force here too.
 */
export class RevisionWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** @param revisionOf the revision this replica holds for the account, if any */
  constructor(private readonly revisionOf: (accountId: string) => number | undefined) {}

  /** Resolves true once the account is at `revision` or later, false after `timeoutMs`. */
  wait(accountId: string, revision: number, timeoutMs: number): Promise<boolean> {
    if ((this.revisionOf(accountId) ?? -1) >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      let set = this.waiters.get(accountId);
      if (!set) {
        set = new Set();
        this.waiters.set(accountId, set);
      }
      const waiters = set;
      const waiter: Waiter = {
        revision,
        resolve: (reached) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.waiters.get(accountId) === waiters) this.waiters.delete(accountId);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      waiters.add(waiter);
    });
  }

  /** The view now holds the account at `revision`: everyone waiting for it or less goes on. */
  reached(accountId: string, revision: number): void {
    for (const waiter of [...(this.waiters.get(accountId) ?? [])]) {
      if (revision >= waiter.revision) waiter.resolve(true);
    }
  }
}

/**
 * Runs work for one key at a time, in arrival order: two requests of one device (a retry racing
 * its original) never move the same SyncKey at once on this replica. The conditional updates of
 * the sync store guard the same across replicas.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }

  get size(): number {
    return this.tails.size;
  }
}

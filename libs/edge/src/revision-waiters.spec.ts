import { describe, expect, it } from 'vitest';
import { RevisionWaiters } from './revision-waiters.js';

describe(RevisionWaiters.name, () => {
  it('answers at once when the view already holds the revision', async () => {
    const waiters = new RevisionWaiters(() => 7);
    await expect(waiters.wait('a', 7, 1000)).resolves.toBe(true);
  });

  it('lets a waiter go when its revision or a later one is reached, and not before', async () => {
    const waiters = new RevisionWaiters(() => undefined);
    let settled: boolean | undefined;
    const waiting = waiters.wait('a', 3, 5000).then((reached) => (settled = reached));
    waiters.reached('a', 2);
    waiters.reached('b', 9);
    await Promise.resolve();
    expect(settled).toBeUndefined();
    waiters.reached('a', 4);
    await waiting;
    expect(settled).toBe(true);
  });

  it('gives up after the timeout', async () => {
    const waiters = new RevisionWaiters(() => 1);
    await expect(waiters.wait('a', 2, 10)).resolves.toBe(false);
  });
});

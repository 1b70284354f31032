import type { CheckedToken } from '@pushmail/contracts';
import { describe, expect, it } from 'vitest';
import { RegistryUnavailableError, type RegistryAnswer } from './registry-client.js';
import { TokenReadThrough, type TokenReadThroughLimits } from './token-read-through.js';

const accountId = '3d1d3c5e-8f0b-4c39-9b7e-2a7d4c1e9f00';
const digest = (n: number) => n.toString(16).padStart(64, '0');
const confirmed = (revision: number): RegistryAnswer<CheckedToken> => ({
  ok: true,
  value: { accountId, deviceId: 'phone', revision },
});
const refused = (status: number, retryAfterSeconds?: number): RegistryAnswer<CheckedToken> => ({
  ok: false,
  refusal: {
    status,
    error: status === 401 ? 'invalid_token' : 'refused',
    message: 'refused',
    body: {},
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  },
});

const LIMITS: TokenReadThroughLimits = { perSecond: 10, burst: 10, viewWaitMs: 3000, confirmedTtlMs: 30_000 };

/** A registry answering from a script, an index at a settable revision, and a settable clock. */
function harness(limits: TokenReadThroughLimits = LIMITS) {
  const clock = { now: 0 };
  const calls: string[] = [];
  const waits: Array<{ accountId: string; revision: number; timeoutMs: number }> = [];
  const state = {
    answer: (): Promise<RegistryAnswer<CheckedToken>> => Promise.resolve(confirmed(7)),
    indexRevision: 0,
  };
  const readThrough = new TokenReadThrough(
    {
      check: (tokenSha256) => {
        calls.push(tokenSha256);
        return state.answer();
      },
      waitForRevision: (waitedAccount, revision, timeoutMs) => {
        waits.push({ accountId: waitedAccount, revision, timeoutMs });
        return Promise.resolve(state.indexRevision >= revision);
      },
    },
    limits,
    () => clock.now,
  );
  return { readThrough, clock, calls, waits, state };
}

describe(TokenReadThrough.name, () => {
  it('asks device-registry about a token the index lacks and hands it back to the index once that holds the revision named', async () => {
    const { readThrough, calls, waits, state } = harness();
    state.indexRevision = 7;
    expect(await readThrough.resolve(digest(1))).toEqual({ kind: 'indexed' });
    expect(calls).toEqual([digest(1)]);
    expect(waits).toEqual([{ accountId, revision: 7, timeoutMs: 3000 }]);
    expect(readThrough.pending).toBe(0);
  });

  it('answers unknown to a token device-registry refuses, and asks again next time rather than remembering it', async () => {
    const { readThrough, calls, waits, state } = harness();
    state.answer = () => Promise.resolve(refused(401));
    expect(await readThrough.resolve(digest(1))).toEqual({ kind: 'unknown' });
    expect(await readThrough.resolve(digest(1))).toEqual({ kind: 'unknown' });
    expect(calls).toHaveLength(2);
    expect(waits).toHaveLength(0);
  });

  it('answers unavailable, never unknown, when device-registry cannot be asked or throttles', async () => {
    const { readThrough, state } = harness();
    state.answer = () => Promise.reject(new RegistryUnavailableError('device-registry timed out'));
    expect(await readThrough.resolve(digest(1))).toMatchObject({
      kind: 'unavailable',
      reason: 'registry',
      retryAfterSeconds: 5,
    });
    state.answer = () => Promise.resolve(refused(429, 7));
    expect(await readThrough.resolve(digest(1))).toMatchObject({
      kind: 'unavailable',
      reason: 'registry',
      retryAfterSeconds: 7,
    });
  });

  it('lets an unexpected failure through instead of reading it as an answer', async () => {
    const { readThrough, state } = harness();
    state.answer = () => Promise.reject(new TypeError('a bug'));
    await expect(readThrough.resolve(digest(1))).rejects.toThrow('a bug');
  });

  it('answers unavailable while the index is behind, and remembers the confirmation so a retry waits without asking again', async () => {
    const { readThrough, calls, state } = harness();
    state.indexRevision = 6;
    expect(await readThrough.resolve(digest(1))).toEqual({
      kind: 'unavailable',
      reason: 'index',
      detail: "this device's credentials are still loading; retry shortly",
      retryAfterSeconds: 1,
    });
    expect(readThrough.pending).toBe(1);
    state.indexRevision = 7;
    expect(await readThrough.resolve(digest(1))).toEqual({ kind: 'indexed' });
    expect(calls).toHaveLength(1);
    expect(readThrough.pending).toBe(0);
  });

  it('asks device-registry afresh once a confirmation the index never caught up with has expired', async () => {
    const { readThrough, calls, clock, state } = harness();
    await readThrough.resolve(digest(1));
    clock.now = 29_999;
    await readThrough.resolve(digest(1));
    expect(calls).toHaveLength(1);
    clock.now = 30_000;
    state.answer = () => Promise.resolve(refused(401));
    expect(await readThrough.resolve(digest(1))).toEqual({ kind: 'unknown' });
    expect(calls).toHaveLength(2);
  });

  it('asks once for a token presented by several requests at the same time', async () => {
    const { readThrough, calls, state } = harness();
    let answer!: (value: RegistryAnswer<CheckedToken>) => void;
    state.answer = () => new Promise((resolve) => (answer = resolve));
    state.indexRevision = 7;
    const together = [readThrough.resolve(digest(1)), readThrough.resolve(digest(1))];
    answer(confirmed(7));
    expect(await Promise.all(together)).toEqual([{ kind: 'indexed' }, { kind: 'indexed' }]);
    expect(calls).toHaveLength(1);
  });

  it('holds device-registry to its rate, telling the devices over it when to retry', async () => {
    const { readThrough, calls, clock, state } = harness({ ...LIMITS, perSecond: 0.5, burst: 2 });
    state.answer = () => Promise.resolve(refused(401));
    expect(await readThrough.resolve(digest(1))).toEqual({ kind: 'unknown' });
    expect(await readThrough.resolve(digest(2))).toEqual({ kind: 'unknown' });
    expect(await readThrough.resolve(digest(3))).toMatchObject({
      kind: 'unavailable',
      reason: 'throttled',
      retryAfterSeconds: 2,
    });
    expect(calls).toHaveLength(2);
    clock.now = 2000;
    expect(await readThrough.resolve(digest(3))).toEqual({ kind: 'unknown' });
    expect(calls).toHaveLength(3);
  });
});

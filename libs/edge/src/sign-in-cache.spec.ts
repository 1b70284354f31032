import { describe, expect, it, vi } from 'vitest';
import { SignInCache } from './sign-in-cache.js';

describe(SignInCache.name, () => {
  it('remembers a sign-in until its account changes', () => {
    const cache = new SignInCache<string, string>(() => 60_000);
    cache.remember('k1', 'acc-1', 'one');
    cache.remember('k2', 'acc-2', 'two');
    expect(cache.get('k1')).toBe('one');
    cache.forgetAccount('acc-1');
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k2')).toBe('two');
    expect(cache.size).toBe(1);
  });

  it('drops expired entries once it is large', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const cache = new SignInCache<string, string>(() => 1000);
      for (let i = 0; i < 10_000; i += 1) cache.remember(`old-${i}`, `acc-${i}`, 'old');
      expect(cache.size).toBe(10_000);
      vi.setSystemTime(2000);
      cache.remember('fresh', 'acc-fresh', 'fresh');
      expect(cache.size).toBe(1);
      expect(cache.get('fresh')).toBe('fresh');
    } finally {
      vi.useRealTimers();
    }
  });

  it('remembers nothing when the time to keep is zero', () => {
    const cache = new SignInCache<string, string>(() => 0);
    cache.remember('k1', 'acc-1', 'one');
    expect(cache.get('k1')).toBeUndefined();
  });

  it('shares one sign-in among callers of the same key that arrive together', async () => {
    const cache = new SignInCache<string, string>(() => 60_000);
    let calls = 0;
    const signIn = async () => {
      calls += 1;
      return 'outcome';
    };
    const [first, second] = await Promise.all([cache.once('k', signIn), cache.once('k', signIn)]);
    expect([first, second, calls]).toEqual(['outcome', 'outcome', 1]);
    await cache.once('k', signIn);
    expect(calls).toBe(2);
  });
});

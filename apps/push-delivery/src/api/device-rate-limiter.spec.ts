import { describe, expect, it } from 'vitest';
import { DeviceRateLimiter } from './device-rate-limiter.js';

describe(DeviceRateLimiter.name, () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    let now = 0;
    const limiter = new DeviceRateLimiter(10, 3, () => now);
    expect([limiter.take('d'), limiter.take('d'), limiter.take('d')]).toEqual([0, 0, 0]);
    expect(limiter.take('d')).toBe(100);
    now += 100;
    expect(limiter.take('d')).toBe(0);
  });

  it('keeps one bucket per device, so a noisy device never slows another', () => {
    const now = 0;
    const limiter = new DeviceRateLimiter(1, 1, () => now);
    expect(limiter.take('noisy')).toBe(0);
    expect(limiter.take('noisy')).toBeGreaterThan(0);
    expect(limiter.take('quiet')).toBe(0);
  });

  it('forgets devices that have been idle long enough to refill', () => {
    let now = 0;
    const limiter = new DeviceRateLimiter(10, 10, () => now);
    limiter.take('a');
    now = 120_000;
    limiter.take('b');
    expect(limiter.trackedDevices).toBe(1);
  });
});

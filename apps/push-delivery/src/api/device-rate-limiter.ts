/**
 * A token bucket per device: a device may send `burst` requests at once and `perSecond` sustained.
 * Buckets of idle devices are dropped, so memory follows the active devices only.
 */
export class DeviceRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private lastSweep = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request's token; returns 0 when allowed, else the milliseconds until one is free. */
  take(key: string): number {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
  }

  describe(): string {
    return `${this.perSecond} per second (bursts of ${this.burst})`;
  }

  describePerMinute(): string {
    return `${+(this.perSecond * 60).toFixed(2)} per minute (bursts of ${this.burst})`;
  }

  get trackedDevices(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const full = (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt > full) this.buckets.delete(key);
    }
  }
}

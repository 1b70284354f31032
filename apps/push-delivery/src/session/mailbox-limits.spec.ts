import type { MailboxLimits } from '@pushmail/jmap';
import { ProblemException } from '@pushmail/platform';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MailboxError } from '../api/mailbox-client.js';
import { MailboxLimitsCache } from './mailbox-limits.js';

const limitsOf = (maxHoldSeconds: number): MailboxLimits => ({ submission: { maxHoldSeconds } });

/** A stand-in for mailbox's limits endpoint that counts its calls and answers what it is told. */
function fakeMailbox() {
  const mailbox = {
    calls: 0,
    answer: (): Promise<MailboxLimits> => Promise.resolve(limitsOf(3600)),
    limits: () => {
      mailbox.calls++;
      return mailbox.answer();
    },
  };
  return mailbox;
}

describe(MailboxLimitsCache.name, () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it("gives mailbox's answer, asks again only after a minute, and shares a request in flight", async () => {
    const mailbox = fakeMailbox();
    const cache = new MailboxLimitsCache(mailbox);
    expect(await Promise.all([cache.current(), cache.current(), cache.current()])).toEqual([
      limitsOf(3600),
      limitsOf(3600),
      limitsOf(3600),
    ]);
    expect(mailbox.calls).toBe(1);
    mailbox.answer = () => Promise.resolve(limitsOf(60));
    vi.advanceTimersByTime(59_000);
    expect(await cache.current()).toEqual(limitsOf(3600));
    vi.advanceTimersByTime(2_000);
    expect(await cache.current()).toEqual(limitsOf(60));
    expect(mailbox.calls).toBe(2);
  });

  it('keeps the last answer while mailbox does not answer', async () => {
    const mailbox = fakeMailbox();
    const cache = new MailboxLimitsCache(mailbox);
    await cache.current();
    mailbox.answer = () =>
      Promise.reject(new MailboxError('unavailable', 'mailbox unreachable (ECONNREFUSED)'));
    vi.advanceTimersByTime(61_000);
    expect(await cache.current()).toEqual(limitsOf(3600));
    expect(mailbox.calls).toBe(2);
  });

  it('answers 503 to retry while mailbox has never answered, and asks again next time', async () => {
    const mailbox = fakeMailbox();
    mailbox.answer = () =>
      Promise.reject(new MailboxError('unavailable', 'mailbox unreachable (ECONNREFUSED)'));
    const cache = new MailboxLimitsCache(mailbox);
    const failure = await cache.current().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemException);
    expect((failure as ProblemException).problem).toMatchObject({ status: 503, retryAfterMs: 5000 });
    mailbox.answer = () => Promise.resolve(limitsOf(0));
    expect(await cache.current()).toEqual(limitsOf(0));
  });
});

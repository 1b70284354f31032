import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnDemandSubscriptions, type PausableConsumer } from './on-demand-subscriptions.js';

/** A consumer that records what it was asked, in order. */
class RecordingConsumer implements PausableConsumer {
  isPaused = false;
  readonly calls: string[] = [];
  releasePause: (() => void) | undefined;
  holdPause = false;

  async pause(): Promise<boolean> {
    if (this.isPaused) return false;
    this.calls.push('pause');
    this.isPaused = true;
    if (this.holdPause) await new Promise<void>((resolve) => (this.releasePause = resolve));
    this.calls.push('paused');
    return true;
  }

  resumeAtEnd(): Promise<void> {
    this.calls.push('resume');
    this.isPaused = false;
    return Promise.resolve();
  }
}

const logger = pino({ level: 'silent' });
const subscriptions: OnDemandSubscriptions[] = [];

function followed(idleAfterMs = 60_000) {
  const onDemand = new OnDemandSubscriptions(logger);
  subscriptions.push(onDemand);
  const consumer = new RecordingConsumer();
  onDemand.register({ name: 'changes', idleAfterMs }, consumer);
  return { onDemand, consumer };
}

afterEach(() => {
  for (const onDemand of subscriptions.splice(0)) onDemand.onModuleDestroy();
  vi.useRealTimers();
});

describe(OnDemandSubscriptions.name, () => {
  it('leaves the group once nothing has used it for the idle time, and tells the service', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(60_000);
    const paused: string[] = [];
    onDemand.onPaused('changes', () => paused.push('forgotten'));

    vi.advanceTimersByTime(59_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual([]);

    vi.advanceTimersByTime(1_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual(['pause', 'paused']);
    expect(paused).toEqual(['forgotten']);
    expect(onDemand.isPaused('changes')).toBe(true);
  });

  it('pauses on its own timer, not only when asked', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(4_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(consumer.calls).toEqual(['pause', 'paused']);
    expect(onDemand.isPaused('changes')).toBe(true);
  });

  it('stays while the service keeps it in use, and counts the idle time from when it was last kept', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(60_000);
    let parked = 1;
    onDemand.keepWhile('changes', () => parked > 0);

    vi.advanceTimersByTime(3_600_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual([]);

    parked = 0;
    vi.advanceTimersByTime(59_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual([]);
    vi.advanceTimersByTime(1_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual(['pause', 'paused']);
  });

  it('a use puts off the pause by the whole idle time', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(60_000);
    vi.advanceTimersByTime(50_000);
    await onDemand.use('changes');
    vi.advanceTimersByTime(50_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual([]);
  });

  it('a use follows a paused subscription again and resolves once it has', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(1_000);
    vi.advanceTimersByTime(1_000);
    await onDemand.pauseIfIdle('changes');

    await onDemand.use('changes');
    expect(consumer.calls).toEqual(['pause', 'paused', 'resume']);
    expect(onDemand.isPaused('changes')).toBe(false);
    // A use of a followed subscription asks nothing of the consumer.
    await onDemand.use('changes');
    expect(consumer.calls).toEqual(['pause', 'paused', 'resume']);
  });

  it('a use during a pause waits for it and for what the service forgets, then follows again', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(1_000);
    onDemand.onPaused('changes', () => consumer.calls.push('forgotten'));
    consumer.holdPause = true;
    vi.advanceTimersByTime(1_000);
    const pausing = onDemand.pauseIfIdle('changes');

    const using = onDemand.use('changes');
    await Promise.resolve();
    expect(consumer.calls).toEqual(['pause']);
    consumer.releasePause?.();
    await Promise.all([pausing, using]);
    expect(consumer.calls).toEqual(['pause', 'paused', 'forgotten', 'resume']);
  });

  it('never pauses a subscription followed always (idle time 0)', async () => {
    vi.useFakeTimers();
    const { onDemand, consumer } = followed(0);
    vi.advanceTimersByTime(86_400_000);
    await onDemand.pauseIfIdle('changes');
    expect(consumer.calls).toEqual([]);
  });

  it('a use before the transport registered the consumer resolves at once', async () => {
    const onDemand = new OnDemandSubscriptions(logger);
    subscriptions.push(onDemand);
    await expect(onDemand.use('not-started')).resolves.toBeUndefined();
  });

  it('refuses two subscriptions under one name', () => {
    const { onDemand } = followed();
    expect(() => onDemand.register({ name: 'changes', idleAfterMs: 1 }, new RecordingConsumer())).toThrow(
      /two subscriptions/,
    );
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicTask } from './periodic-task.js';

describe(PeriodicTask.name, () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once per interval, skips a tick while a run is in progress, and stop waits for it', async () => {
    let finish = (): void => undefined;
    const run = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const task = new PeriodicTask(1000, run, () => undefined);
    task.start();
    expect(run).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(1);

    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('reports a failed run and tries again at the next tick; runNow starts the first run at once', async () => {
    const failure = new Error('down');
    const run = vi.fn().mockRejectedValueOnce(failure).mockResolvedValue(undefined);
    const onFailure = vi.fn();
    const task = new PeriodicTask(1000, run, onFailure);
    task.start({ runNow: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(onFailure).toHaveBeenCalledWith(failure);

    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it('runs on demand, a caller during a run joining that run instead of starting another', async () => {
    let release: () => void = () => undefined;
    const run = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const task = new PeriodicTask(60_000, run, () => undefined);
    const first = task.runNow();
    const second = task.runNow();
    expect(second).toBe(first);
    release();
    await first;
    const third = task.runNow();
    release();
    await third;
    expect(run).toHaveBeenCalledTimes(2);
  });
});

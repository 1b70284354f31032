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

  it('does nothing when nudged before start; once started, runs at once when nudged while idle, and once more after the run a nudge finds in progress', async () => {
    const releases: Array<() => void> = [];
    const run = vi.fn(() => new Promise<void>((resolve) => releases.push(resolve)));
    const task = new PeriodicTask(60_000, run, () => undefined);
    task.nudge();
    expect(run).not.toHaveBeenCalled();
    task.start();
    task.nudge();
    expect(run).toHaveBeenCalledTimes(1);
    task.nudge();
    task.nudge();
    expect(run).toHaveBeenCalledTimes(1);
    releases[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    releases[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('is not run by a nudge once stopped, nor again after the run stop waited for', async () => {
    let release: () => void = () => undefined;
    const run = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const task = new PeriodicTask(60_000, run, () => undefined);
    task.start();
    task.nudge();
    task.nudge();
    const stopping = task.stop();
    release();
    await stopping;
    task.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
  });
});

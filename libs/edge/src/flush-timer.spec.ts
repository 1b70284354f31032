import { describe, expect, it } from 'vitest';
import { FlushTimer } from './flush-timer.js';

describe(FlushTimer.name, () => {
  it('runs one flush at a time, shared by callers who ask during it, and flushes once more at stop', async () => {
    let sends = 0;
    let release: () => void = () => undefined;
    const timer = new FlushTimer(60_000, async () => {
      sends += 1;
      await new Promise<void>((resolve) => (release = resolve));
    });
    const first = timer.flush();
    const second = timer.flush();
    expect(second).toBe(first);
    release();
    await first;
    const stopping = timer.stop();
    release();
    await stopping;
    expect(sends).toBe(2);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Heartbeat, Heartbeats } from './heartbeats.js';

interface Entry extends Heartbeat {
  name: string;
}

const entry = (name: string): Entry => ({ name, heartbeatAt: 0, heartbeatSlot: -1 });

describe(Heartbeats.name, () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes every heartbeat at its own deadline, in deadline order, on a single timer', async () => {
    const passed: Array<[string, number]> = [];
    const start = Date.now();
    const heartbeats = new Heartbeats<Entry>((passing) => passed.push([passing.name, Date.now() - start]));
    // A fixed shuffle of deadlines, some equal, some entries taken out before theirs.
    const delays = [700, 100, 900, 300, 300, 50, 1000, 600, 200, 800, 400, 500];
    const entries = delays.map((delay, index) => {
      const added = entry(`e${index}`);
      heartbeats.add(added, start + delay);
      return added;
    });
    expect(vi.getTimerCount()).toBe(1);
    for (const index of [2, 5, 7]) heartbeats.delete(entries[index]!);
    heartbeats.delete(entries[2]!);
    expect(heartbeats.size).toBe(9);

    await vi.advanceTimersByTimeAsync(1000);
    const expected = delays
      .map((delay, index) => [`e${index}`, delay] as [string, number])
      .filter(([name]) => !['e2', 'e5', 'e7'].includes(name))
      .sort((a, b) => a[1] - b[1]);
    expect(passed.map(([, at]) => at)).toEqual(expected.map(([, at]) => at));
    expect(passed.map(([name]) => name).sort()).toEqual(expected.map(([name]) => name).sort());
    expect(heartbeats.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets its timer earlier for a heartbeat due before the one it waits for', async () => {
    const passed: string[] = [];
    const heartbeats = new Heartbeats<Entry>((passing) => passed.push(passing.name));
    heartbeats.add(entry('late'), Date.now() + 60_000);
    heartbeats.add(entry('early'), Date.now() + 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(passed).toEqual(['early']);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(passed).toEqual(['early', 'late']);
  });

  it('holds nothing and no timer once every entry left early', () => {
    const heartbeats = new Heartbeats<Entry>(() => undefined);
    const entries = ['a', 'b', 'c'].map(entry);
    for (const [index, added] of entries.entries()) heartbeats.add(added, Date.now() + 1000 * (index + 1));
    for (const added of entries) heartbeats.delete(added);
    expect(heartbeats.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(entries.map((left) => left.heartbeatSlot)).toEqual([-1, -1, -1]);
  });
});

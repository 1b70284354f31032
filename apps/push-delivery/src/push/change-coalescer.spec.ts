import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeCoalescer, newerState, type AccountChange } from './change-coalescer.js';

const alice = '0b7c7f43-7d55-4a43-9d39-5d6c0c8f2f11';
const bob = '5f0a3b9e-1c55-4e42-8c2d-3f8b7f3e9a01';

describe(ChangeCoalescer.name, () => {
  let flushed: AccountChange[];

  beforeEach(() => {
    vi.useFakeTimers();
    flushed = [];
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('merges an account burst within the window into one change with the newest state per type', () => {
    const coalescer = new ChangeCoalescer(2, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '10', Thread: '10' }, '10', 1);
    coalescer.add(alice, { Email: '11', Mailbox: '11' }, '11', 2);
    expect(flushed).toEqual([]);

    vi.advanceTimersByTime(2);

    expect(flushed).toEqual([
      { accountId: alice, changed: { Email: '11', Thread: '10', Mailbox: '11' }, state: '11', receivedAt: 1 },
    ]);
    expect(coalescer.pendingAccounts).toBe(0);
  });

  it('keeps the earliest acceptance time of the merged events, for the push latency', () => {
    const coalescer = new ChangeCoalescer(2, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '1' }, '1', 1, undefined, 5_000);
    coalescer.add(alice, { Email: '2' }, '2', 2);
    coalescer.add(alice, { Email: '3' }, '3', 3, undefined, 4_000);
    coalescer.add(alice, { Email: '4' }, '4', 4, undefined, 6_000);
    coalescer.add(bob, { Email: '1' }, '1', 5);
    vi.advanceTimersByTime(2);

    expect(flushed.map((change) => [change.accountId, change.acceptedAt])).toEqual([
      [alice, 4_000],
      [bob, undefined],
    ]);
  });

  it('keeps accounts apart', () => {
    const coalescer = new ChangeCoalescer(5, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '3' }, '3');
    coalescer.add(bob, { Mailbox: '8' }, '8');
    vi.advanceTimersByTime(5);
    expect(flushed.map((change) => [change.accountId, change.changed])).toEqual([
      [alice, { Email: '3' }],
      [bob, { Mailbox: '8' }],
    ]);
  });

  it('starts a new window once the previous one went out', () => {
    const coalescer = new ChangeCoalescer(2, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '1' }, '1');
    vi.advanceTimersByTime(2);
    coalescer.add(alice, { Email: '2' }, '2');
    vi.advanceTimersByTime(2);
    expect(flushed.map((change) => change.state)).toEqual(['1', '2']);
  });

  it('does not move a numeric state backwards when an old event is redelivered', () => {
    const coalescer = new ChangeCoalescer(2, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '12' }, '12');
    coalescer.add(alice, { Email: '9' }, '9');
    vi.advanceTimersByTime(2);
    expect(flushed[0]).toMatchObject({ changed: { Email: '12' }, state: '12' });
  });

  it('without a window merges a batch per account and sends it when the batch ends, with no timer', () => {
    const coalescer = new ChangeCoalescer(0, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '3', Mailbox: '3' }, '3');
    coalescer.add(bob, { Email: '7' }, '7');
    coalescer.add(alice, { Email: '4' }, '4');
    expect(flushed).toEqual([]);

    coalescer.flushBatch();
    expect(flushed).toHaveLength(2);
    expect(flushed.find((change) => change.accountId === alice)).toMatchObject({
      changed: { Email: '4', Mailbox: '3' },
      state: '4',
    });
    expect(coalescer.pendingAccounts).toBe(0);
    coalescer.flushBatch();
    expect(flushed).toHaveLength(2);
  });

  it('leaves sending to the timers when there is a window', () => {
    const coalescer = new ChangeCoalescer(2, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '1' }, '1');
    coalescer.flushBatch();
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(flushed).toHaveLength(1);
  });

  it('drops pending changes on dispose', () => {
    const coalescer = new ChangeCoalescer(2, (change) => flushed.push(change));
    coalescer.add(alice, { Email: '1' }, '1');
    coalescer.dispose();
    vi.advanceTimersByTime(10);
    expect(flushed).toEqual([]);
  });
});

describe(newerState.name, () => {
  it('takes the later of two opaque states', () => {
    expect(newerState('b7', 'a3')).toBe('a3');
  });

  it('takes the larger of two numeric states, beyond safe integers', () => {
    expect(newerState('90071992547409930', '90071992547409929')).toBe('90071992547409930');
    expect(newerState('9', '10')).toBe('10');
  });
});

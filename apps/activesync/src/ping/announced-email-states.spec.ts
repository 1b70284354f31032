import { randomUUID } from 'node:crypto';
import type { MailboxChangedV1 } from '@pushmail/contracts';
import type { ConsumedEvent } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { AnnouncedEmailStates } from './announced-email-states.js';

function announcement(
  accountId: string,
  state: string,
  offset: number,
  {
    changed = { Email: state },
    partition = 0,
  }: { changed?: MailboxChangedV1['changed']; partition?: number } = {},
): ConsumedEvent<MailboxChangedV1> {
  return {
    event: {
      eventId: randomUUID(),
      accountId,
      state,
      changed,
      cause: 'delivery',
      createdEmailIds: [],
      occurredAt: new Date(0).toISOString(),
    },
    topic: 'pushmail.mailbox.changed.v1',
    partition,
    offset: String(offset),
    headers: {},
  };
}

function setUp(ttlMs = 30_000, maxAccounts = 100) {
  const clock = { now: 1_000 };
  return { states: new AnnouncedEmailStates(ttlMs, maxAccounts, () => clock.now), clock };
}

describe(AnnouncedEmailStates.name, () => {
  it('knows nothing of an account whose changes it has not consumed', () => {
    const { states } = setUp();
    states.noteConsumed([announcement('a', '5', 0)]);
    expect(states.emailStateOf('b')).toBeUndefined();
    expect(states.emailStateOf('a')).toBe('5');
  });

  it('keeps the Email state of the latest announcement, not of one published late', () => {
    const { states } = setUp();
    states.noteConsumed([announcement('a', '6', 0), announcement('a', '5', 1)]);
    expect(states.emailStateOf('a')).toBe('6');
    states.noteConsumed([announcement('a', '7', 2)]);
    expect(states.emailStateOf('a')).toBe('7');
  });

  it('keeps the Email state through a change that left it alone', () => {
    const { states } = setUp();
    states.noteConsumed([
      announcement('a', '5', 0),
      announcement('a', '6', 1, { changed: { Mailbox: '6' } }),
    ]);
    expect(states.emailStateOf('a')).toBe('5');
  });

  it('keeps what it knows when events are read again (a rejoin reads from the committed offset)', () => {
    const { states } = setUp();
    states.noteConsumed([announcement('a', '5', 10), announcement('a', '6', 11)]);
    states.noteConsumed([announcement('a', '5', 10), announcement('a', '6', 11), announcement('a', '7', 12)]);
    expect(states.emailStateOf('a')).toBe('7');
  });

  it('forgets the accounts of a partition whose offsets skipped, and only those', () => {
    const { states } = setUp();
    states.noteConsumed([announcement('a', '5', 10)]);
    states.noteConsumed([announcement('b', '3', 4, { partition: 1 })]);
    // Offsets 11 and 12 of partition 0 were never handed over: they may have announced a's state 6.
    states.noteConsumed([announcement('c', '9', 13)]);
    expect(states.emailStateOf('a')).toBeUndefined();
    expect(states.emailStateOf('b')).toBe('3');
    expect(states.emailStateOf('c')).toBe('9');
    states.noteConsumed([announcement('a', '8', 14)]);
    expect(states.emailStateOf('a')).toBe('8');
  });

  it('trusts no state it cannot order', () => {
    const { states } = setUp();
    states.noteConsumed([
      announcement('a', '5', 0),
      announcement('a', 'x7', 1, { changed: { Email: 'x7' } }),
    ]);
    expect(states.emailStateOf('a')).toBeUndefined();
  });

  it('lets an announcement stand for its time to live only', () => {
    const { states, clock } = setUp(30_000);
    states.noteConsumed([announcement('a', '5', 0)]);
    clock.now += 29_999;
    expect(states.emailStateOf('a')).toBe('5');
    clock.now += 1;
    expect(states.emailStateOf('a')).toBeUndefined();
  });

  it('sweeps expired announcements as new ones come, and keeps at most the cap, the latest', () => {
    const { states, clock } = setUp(30_000, 3);
    states.noteConsumed([announcement('a', '1', 0), announcement('b', '1', 1)]);
    clock.now += 30_000;
    states.noteConsumed([announcement('c', '1', 2)]);
    expect(states.size).toBe(1);
    states.noteConsumed([announcement('d', '1', 3), announcement('e', '1', 4), announcement('f', '1', 5)]);
    expect(states.size).toBe(3);
    expect(['c', 'd', 'e', 'f'].map((account) => states.emailStateOf(account))).toEqual([
      undefined,
      '1',
      '1',
      '1',
    ]);
    // A new announcement of a kept account makes it the latest.
    states.noteConsumed([announcement('d', '2', 6), announcement('g', '1', 7)]);
    expect(states.emailStateOf('e')).toBeUndefined();
    expect(states.emailStateOf('d')).toBe('2');
  });
});

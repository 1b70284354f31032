import { describe, expect, it } from 'vitest';
import { checkSinceState, collapseChanges, parseState, planChangesPage, stateStrings } from './change-log.js';

describe(stateStrings.name, () => {
  it('gives every type the account modseq and EmailDelivery the last delivery', () => {
    expect(stateStrings({ modseq: 7, deliveryModseq: 5, changesHorizon: 0 })).toEqual({
      state: '7',
      changed: { Email: '7', Mailbox: '7', Thread: '7', EmailDelivery: '5' },
    });
  });
});

describe(parseState.name, () => {
  it('accepts only the integers this server issues', () => {
    expect(parseState('0')).toBe(0);
    expect(parseState('42')).toBe(42);
    expect(parseState('042')).toBeNull();
    expect(parseState('-1')).toBeNull();
    expect(parseState('1.5')).toBeNull();
    expect(parseState('abc')).toBeNull();
    expect(parseState('9'.repeat(20))).toBeNull();
  });
});

describe(checkSinceState.name, () => {
  const states = { modseq: 10, deliveryModseq: 10, changesHorizon: 3 };

  it('accepts a state between the horizon and now', () => {
    expect(checkSinceState('3', states)).toEqual({ ok: true, since: 3 });
    expect(checkSinceState('10', states)).toEqual({ ok: true, since: 10 });
  });

  it('refuses a state that is not a number, from the future, or older than the horizon', () => {
    expect(checkSinceState('x', states).ok).toBe(false);
    expect(checkSinceState('11', states).ok).toBe(false);
    expect(checkSinceState('2', states).ok).toBe(false);
  });
});

describe(planChangesPage.name, () => {
  it('takes whole transactions while they fit', () => {
    const groups = [
      { modseq: 4, objects: 2 },
      { modseq: 5, objects: 2 },
      { modseq: 6, objects: 1 },
    ];
    expect(planChangesPage(groups, 4)).toEqual({ ok: true, upTo: 5, hasMore: true });
    expect(planChangesPage(groups, 5)).toEqual({ ok: true, upTo: 6, hasMore: false });
    expect(planChangesPage(groups, 3)).toEqual({ ok: true, upTo: 4, hasMore: true });
  });

  it('reports no changes when there are none', () => {
    expect(planChangesPage([], 10)).toEqual({ ok: true, upTo: null, hasMore: false });
  });

  it('cannot page when the first transaction alone exceeds the limit', () => {
    expect(planChangesPage([{ modseq: 4, objects: 3 }], 2)).toEqual({ ok: false });
  });
});

describe(collapseChanges.name, () => {
  it('folds an object seen several times into one list', () => {
    const result = collapseChanges([
      { objectId: 'a', kind: 'created', modseq: 1 },
      { objectId: 'a', kind: 'updated', modseq: 2 },
      { objectId: 'b', kind: 'updated', modseq: 1 },
      { objectId: 'b', kind: 'destroyed', modseq: 3 },
      { objectId: 'c', kind: 'created', modseq: 2 },
      { objectId: 'c', kind: 'destroyed', modseq: 3 },
      { objectId: 'd', kind: 'updated', modseq: 3 },
      { objectId: 'd', kind: 'updated', modseq: 2 },
      { objectId: 'e', kind: 'destroyed', modseq: 2 },
    ]);
    expect(result).toEqual({ created: ['a'], updated: ['d'], destroyed: ['b', 'e'] });
  });
});

import { describe, expect, it } from 'vitest';
import {
  type AccountStates,
  changedSince,
  checkSinceState,
  collapseChanges,
  INITIAL_STATES,
  mergeKinds,
  parseState,
  pageOfChanges,
  stateStrings,
} from './change-log.js';

const states = (overrides: Partial<AccountStates>): AccountStates => ({ ...INITIAL_STATES, ...overrides });

describe(stateStrings.name, () => {
  it('gives each type the modseq of its last change, and the push state the account modseq', () => {
    expect(
      stateStrings(
        states({
          modseq: 7,
          emailModseq: 7,
          mailboxModseq: 6,
          threadModseq: 4,
          deliveryModseq: 5,
          vacationModseq: 2,
          identityModseq: 1,
          submissionModseq: 3,
        }),
      ),
    ).toEqual({
      state: '7',
      changed: {
        Email: '7',
        Mailbox: '6',
        Thread: '4',
        EmailDelivery: '5',
        VacationResponse: '2',
        Identity: '1',
        EmailSubmission: '3',
      },
    });
  });
});

describe(changedSince.name, () => {
  const now = states({ modseq: 9, emailModseq: 9, mailboxModseq: 8, threadModseq: 4, deliveryModseq: 3 });

  it('lists only the types that changed after the push state', () => {
    expect(changedSince(now, '8')).toEqual({ Email: '9' });
    expect(changedSince(now, '4')).toEqual({ Email: '9', Mailbox: '8' });
    expect(changedSince(now, '9')).toEqual({});
    expect(changedSince({ ...now, modseq: 10, vacationModseq: 10 }, '9')).toEqual({ VacationResponse: '10' });
    expect(changedSince({ ...now, modseq: 11, identityModseq: 10, submissionModseq: 11 }, '9')).toEqual({
      Identity: '10',
      EmailSubmission: '11',
    });
  });

  it('lists every type for a state it never issued', () => {
    expect(Object.keys(changedSince(now, 'junk'))).toEqual([
      'Email',
      'Mailbox',
      'Thread',
      'EmailDelivery',
      'VacationResponse',
      'Identity',
      'EmailSubmission',
    ]);
    expect(Object.keys(changedSince(now, '10'))).toHaveLength(7);
    expect(Object.keys(changedSince(now, undefined))).toHaveLength(7);
  });
});

describe(mergeKinds.name, () => {
  it('folds two changes of one object in one transaction', () => {
    expect(mergeKinds('created', 'updated')).toBe('created');
    expect(mergeKinds('created', 'destroyed')).toBeNull();
    expect(mergeKinds('updated', 'destroyed')).toBe('destroyed');
    expect(mergeKinds('updated', 'updated')).toBe('updated');
    expect(mergeKinds(null, 'updated')).toBe('updated');
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
  const current = states({ modseq: 10, deliveryModseq: 10, changesHorizon: 3 });

  it('accepts a state between the horizon and now', () => {
    expect(checkSinceState('3', current)).toEqual({ ok: true, since: 3 });
    expect(checkSinceState('10', current)).toEqual({ ok: true, since: 10 });
  });

  it('refuses a state that is not a number, from the future, or older than the horizon', () => {
    expect(checkSinceState('x', current).ok).toBe(false);
    expect(checkSinceState('11', current).ok).toBe(false);
    expect(checkSinceState('2', current).ok).toBe(false);
  });
});

describe(pageOfChanges.name, () => {
  /** The log's rows for transactions of these sizes from modseq 4 on, one row per object. */
  const log = (...sizes: number[]) =>
    sizes.flatMap((size, index) =>
      Array.from({ length: size }, (_, object) => ({
        objectId: `M${index}-${object}`,
        kind: 'updated' as const,
        modseq: 4 + index,
      })),
    );
  /** What the service reads: at most one row more than a page. */
  const page = (sizes: number[], maxChanges: number) => {
    const result = pageOfChanges(log(...sizes).slice(0, maxChanges + 1), maxChanges);
    return result.ok
      ? {
          ok: true,
          upTo: result.rows.at(-1)?.modseq ?? null,
          ids: result.rows.length,
          hasMore: result.hasMore,
        }
      : result;
  };

  it('takes whole transactions while they fit', () => {
    expect(page([2, 2, 1], 4)).toEqual({ ok: true, upTo: 5, ids: 4, hasMore: true });
    expect(page([2, 2, 1], 5)).toEqual({ ok: true, upTo: 6, ids: 5, hasMore: false });
    expect(page([2, 2, 1], 3)).toEqual({ ok: true, upTo: 4, ids: 2, hasMore: true });
    expect(page([2, 2, 1], 6)).toEqual({ ok: true, upTo: 6, ids: 5, hasMore: false });
  });

  it('reports no changes when there are none', () => {
    expect(page([], 10)).toEqual({ ok: true, upTo: null, ids: 0, hasMore: false });
  });

  it('cannot page when the first transaction alone exceeds the limit', () => {
    expect(page([3], 2)).toEqual({ ok: false });
    expect(page([3, 1], 3)).toEqual({ ok: true, upTo: 4, ids: 3, hasMore: true });
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

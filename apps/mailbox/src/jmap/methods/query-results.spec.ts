import { MethodError } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import type { AccountStates } from '../../changes/change-log.js';
import {
  queryAnswer,
  queryChangesAnswer,
  queryChangesArguments,
  queryWindowArguments,
  sinceModseq,
} from './query-results.js';

const ids = ['a', 'b', 'c', 'd', 'e'];
const states: AccountStates = {
  modseq: 9,
  emailModseq: 9,
  mailboxModseq: 7,
  threadModseq: 9,
  identityModseq: 1,
  submissionModseq: 5,
  deliveryModseq: 9,
  changesHorizon: 3,
};

function errorOf(run: () => unknown): MethodError {
  try {
    run();
  } catch (error) {
    if (error instanceof MethodError) return error;
    throw error;
  }
  throw new Error('no method error');
}

describe(queryAnswer.name, () => {
  it('cuts the window at a position, counting a negative one from the end', () => {
    expect(queryAnswer('acc', 7, ids, queryWindowArguments({ position: 1, limit: 2 }))).toEqual({
      accountId: 'acc',
      queryState: '7',
      canCalculateChanges: true,
      position: 1,
      ids: ['b', 'c'],
    });
    const fromEnd = queryAnswer('acc', 7, ids, queryWindowArguments({ position: -2, calculateTotal: true }));
    expect(fromEnd).toMatchObject({ position: 3, ids: ['d', 'e'], total: 5 });
  });

  it('starts at the anchor plus its offset, and answers anchorNotFound for an id not in the results', () => {
    const anchored = queryAnswer('acc', 7, ids, queryWindowArguments({ anchor: 'c', anchorOffset: -1 }));
    expect(anchored).toMatchObject({ position: 1, ids: ['b', 'c', 'd', 'e'] });
    const missing = errorOf(() => queryAnswer('acc', 7, ids, queryWindowArguments({ anchor: 'z' })));
    expect(missing.type).toBe('anchorNotFound');
  });
});

describe(queryChangesAnswer.name, () => {
  it('removes every changed id and adds back those still in the results at their index', () => {
    const asked = queryChangesArguments({ sinceQueryState: '4', calculateTotal: true });
    expect(queryChangesAnswer('acc', asked, 5, ids, new Set(['d', 'gone', 'a']))).toEqual({
      accountId: 'acc',
      oldQueryState: '4',
      newQueryState: '5',
      total: 5,
      removed: ['a', 'd', 'gone'],
      added: [
        { id: 'a', index: 0 },
        { id: 'd', index: 3 },
      ],
    });
  });

  it('answers tooManyChanges past maxChanges, and refuses a maxChanges of 0', () => {
    const asked = queryChangesArguments({ sinceQueryState: '4', maxChanges: 2 });
    expect(errorOf(() => queryChangesAnswer('acc', asked, 5, ids, new Set(['a', 'b']))).type).toBe(
      'tooManyChanges',
    );
    expect(errorOf(() => queryChangesArguments({ sinceQueryState: '4', maxChanges: 0 })).type).toBe(
      'invalidArguments',
    );
  });
});

describe(sinceModseq.name, () => {
  it('answers cannotCalculateChanges for a state from the future, before the horizon or not ours', () => {
    expect(sinceModseq('4', states)).toBe(4);
    for (const state of ['10', '2', 'x1'])
      expect(errorOf(() => sinceModseq(state, states)).type).toBe('cannotCalculateChanges');
  });
});

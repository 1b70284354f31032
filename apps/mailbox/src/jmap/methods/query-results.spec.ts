import { describe, expect, it } from 'vitest';
import {
  queryAnswer,
  queryChangesAnswer,
  queryChangesArguments,
  queryWindowArguments,
} from './query-results.js';

const ids = ['a', 'b', 'c', 'd', 'e'];
const failsWith = (type: string) => expect.objectContaining({ type });
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
    expect(() => queryAnswer('acc', 7, ids, queryWindowArguments({ anchor: 'z' }))).toThrow(
      failsWith('anchorNotFound'),
    );
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
    expect(() => queryChangesAnswer('acc', asked, 5, ids, new Set(['a', 'b']))).toThrow(
      failsWith('tooManyChanges'),
    );
    expect(() => queryChangesArguments({ sinceQueryState: '4', maxChanges: 0 })).toThrow(
      failsWith('invalidArguments'),
    );
  });
});

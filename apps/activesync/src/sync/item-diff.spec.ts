import { describe, expect, it } from 'vitest';
import { itemChanges, windowOf } from './item-diff.js';

const flags = (read: boolean, flagged = false) => ({ read, flagged });

describe(itemChanges.name, () => {
  it('finds new messages in order, flag changes and messages gone from the folder', () => {
    const held = { a: flags(false), b: flags(false), gone: flags(true) };
    const current = new Map([
      ['new2', flags(false)],
      ['new1', flags(false)],
      ['a', flags(true)],
      ['b', flags(false)],
    ]);
    expect(itemChanges(held, current)).toEqual({
      added: ['new2', 'new1'],
      changed: ['a'],
      deleted: ['gone'],
    });
  });
});

describe(windowOf.name, () => {
  it('takes removals, then changes, then the newest additions, and says when more wait', () => {
    const changes = { added: ['n1', 'n2', 'n3'], changed: ['c1'], deleted: ['d1'] };
    expect(windowOf(changes, 3)).toEqual({
      window: { added: ['n1'], changed: ['c1'], deleted: ['d1'] },
      more: true,
    });
    expect(windowOf(changes, 5)).toEqual({ window: changes, more: false });
  });
});

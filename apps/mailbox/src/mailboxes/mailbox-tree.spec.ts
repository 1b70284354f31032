import { MethodError } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import {
  depthUnder,
  descendantsOf,
  type MailboxNode,
  queryMailboxes,
  siblingNamed,
  subtreeHeight,
  wouldCycle,
} from './mailbox-tree.js';

const node = (id: string, parentId: string | null, extra: Partial<MailboxNode> = {}): MailboxNode => ({
  id,
  name: id,
  parentId,
  role: null,
  sortOrder: 10,
  isSubscribed: true,
  ...extra,
});

const tree = new Map(
  [
    node('inbox', null, { role: 'inbox', sortOrder: 1, name: 'Inbox' }),
    node('work', null, { name: 'Work' }),
    node('clients', 'work', { name: 'Clients' }),
    node('acme', 'clients', { name: 'Acme', isSubscribed: false }),
    node('archive', null, { role: 'archive', sortOrder: 2, name: 'Archive' }),
  ].map((entry) => [entry.id, entry]),
);

describe(wouldCycle.name, () => {
  it('refuses to put a mailbox under itself or its descendants', () => {
    expect(wouldCycle(tree, 'work', 'acme')).toBe(true);
    expect(wouldCycle(tree, 'work', 'work')).toBe(true);
    expect(wouldCycle(tree, 'acme', 'inbox')).toBe(false);
    expect(wouldCycle(tree, 'acme', null)).toBe(false);
  });
});

describe(depthUnder.name, () => {
  it('counts the levels of a new child', () => {
    expect(depthUnder(tree, null)).toBe(1);
    expect(depthUnder(tree, 'clients')).toBe(3);
    expect(subtreeHeight(tree, 'work')).toBe(3);
    expect(descendantsOf(tree, 'work').sort()).toEqual(['acme', 'clients']);
  });
});

describe(siblingNamed.name, () => {
  it('finds a sibling of the same name whatever the case', () => {
    expect(siblingNamed(tree, null, 'WORK', null)?.id).toBe('work');
    expect(siblingNamed(tree, null, 'Work', 'work')).toBeUndefined();
    expect(siblingNamed(tree, 'work', 'Work', null)).toBeUndefined();
  });
});

describe(queryMailboxes.name, () => {
  const query = (options: Partial<Parameters<typeof queryMailboxes>[1]>) =>
    queryMailboxes(tree, { filter: null, sort: null, sortAsTree: false, filterAsTree: false, ...options });

  it('sorts by sortOrder then name by default', () => {
    expect(query({})).toEqual(['inbox', 'archive', 'acme', 'clients', 'work']);
  });

  it('sorts parents before their children with sortAsTree', () => {
    expect(query({ sortAsTree: true, sort: [{ property: 'name' }] })).toEqual([
      'archive',
      'inbox',
      'work',
      'clients',
      'acme',
    ]);
  });

  it('filters by parent, role, name and subscription, with operators', () => {
    expect(query({ filter: { parentId: null } })).toEqual(['inbox', 'archive', 'work']);
    expect(query({ filter: { hasAnyRole: true } })).toEqual(['inbox', 'archive']);
    expect(query({ filter: { role: 'archive' } })).toEqual(['archive']);
    expect(query({ filter: { name: 'CLI' } })).toEqual(['clients']);
    expect(query({ filter: { operator: 'NOT', conditions: [{ isSubscribed: true }] } })).toEqual(['acme']);
  });

  it('drops a mailbox whose ancestor does not match with filterAsTree', () => {
    expect(
      query({
        filter: { operator: 'NOT', conditions: [{ name: 'clients' }] },
        filterAsTree: true,
        sortAsTree: true,
      }),
    ).toEqual(['inbox', 'archive', 'work']);
  });

  it('answers unsupportedSort and unsupportedFilter for what it does not know', () => {
    expect(() => query({ sort: [{ property: 'totalEmails' }] })).toThrow(MethodError);
    expect(() => query({ filter: { color: 'red' } })).toThrow(MethodError);
  });
});

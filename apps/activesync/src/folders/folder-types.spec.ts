import { describe, expect, it } from 'vitest';
import { folderTypeOf, hierarchyChanges, hierarchyOf } from './folder-types.js';

describe(folderTypeOf.name, () => {
  it('gives Inbox 2, Drafts 3, Deleted Items 4, Sent Items 5, Outbox 6 and user folders 12', () => {
    expect(['inbox', 'drafts', 'trash', 'sent', 'outbox', 'junk', null].map(folderTypeOf)).toEqual([
      2, 3, 4, 5, 6, 12, 12,
    ]);
  });
});

describe(hierarchyChanges.name, () => {
  it('adds parents before children, and finds renames, moves and deletions', () => {
    const held = hierarchyOf([
      { id: 'in', parentId: null, name: 'Inbox', role: 'inbox' },
      { id: 'old', parentId: null, name: 'Old', role: null },
      { id: 'x', parentId: null, name: 'X', role: null },
    ]);
    const current = hierarchyOf([
      { id: 'in', parentId: null, name: 'Inbox', role: 'inbox' },
      { id: 'x', parentId: null, name: 'X renamed', role: null },
      { id: 'child', parentId: 'parent', name: 'Child', role: null },
      { id: 'parent', parentId: null, name: 'Parent', role: null },
    ]);
    expect(hierarchyChanges(held, current)).toEqual({
      added: ['parent', 'child'],
      updated: ['x'],
      deleted: ['old'],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { folderTypeOf, hierarchyChanges, hierarchyOf, quarantineHierarchyOf } from './folder-types.js';

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

describe(quarantineHierarchyOf.name, () => {
  const account = [
    { id: 'in', parentId: null, name: 'Inbox', role: 'inbox' },
    { id: 'dr', parentId: null, name: 'Drafts', role: 'drafts' },
    { id: 'tr', parentId: null, name: 'Bin of Alice', role: 'trash' },
    { id: 'se', parentId: 'clients', name: 'Sent', role: 'sent' },
    { id: 'clients', parentId: null, name: 'Clients', role: null },
    { id: 'acme', parentId: 'clients', name: 'Acme merger', role: null },
    { id: 'junk', parentId: null, name: 'Junk', role: 'junk' },
    { id: 'in2', parentId: null, name: 'Inbox too', role: 'inbox' },
  ];

  it('shows the default folders only, at the top, under their standard names, and no user folder', () => {
    expect(quarantineHierarchyOf(account)).toEqual({
      in: { parentId: '0', name: 'Inbox', type: 2 },
      dr: { parentId: '0', name: 'Drafts', type: 3 },
      tr: { parentId: '0', name: 'Deleted Items', type: 4 },
      se: { parentId: '0', name: 'Sent Items', type: 5 },
    });
  });

  it('leaves the device that held it the user folders to add, parents first, once it is allowed', () => {
    const changes = hierarchyChanges(quarantineHierarchyOf(account), hierarchyOf(account));
    expect(changes.added).toEqual(['clients', 'junk', 'in2', 'acme']);
    expect(changes.updated.sort()).toEqual(['se', 'tr']);
    expect(changes.deleted).toEqual([]);
  });
});

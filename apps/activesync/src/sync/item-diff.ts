import type { ItemFlags } from '../mailbox/mail-store.js';
import type { HeldItem } from '../state/entities/sync-state.entity.js';

export interface ItemChanges {
  /** Ids to add, newest first. */
  added: string[];
  changed: string[];
  deleted: string[];
}

/** What the device must be told so that what it holds matches the folder: additions, flag changes, removals. */
export function itemChanges(
  held: Record<string, HeldItem>,
  current: ReadonlyMap<string, ItemFlags>,
): ItemChanges {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [id, flags] of current) {
    const before = held[id];
    if (!before) added.push(id);
    else if (before.read !== flags.read || before.flagged !== flags.flagged) changed.push(id);
  }
  const deleted = Object.keys(held).filter((id) => !current.has(id));
  return { added, changed, deleted };
}

export function countOf(changes: ItemChanges): number {
  return changes.added.length + changes.changed.length + changes.deleted.length;
}

/**
 * At most `size` of the changes, removals first (they free room on the device), then flag
 * changes, then the newest additions; `more` when some wait for the next Sync.
 */
export function windowOf(changes: ItemChanges, size: number): { window: ItemChanges; more: boolean } {
  let room = size;
  const take = (ids: string[]) => {
    const taken = ids.slice(0, Math.max(0, room));
    room -= taken.length;
    return taken;
  };
  const deleted = take(changes.deleted);
  const changed = take(changes.changed);
  const added = take(changes.added);
  return { window: { added, changed, deleted }, more: countOf(changes) > size };
}

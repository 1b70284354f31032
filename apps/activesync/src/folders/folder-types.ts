import type { HeldFolder } from '../state/entities/folder-state.entity.js';
import type { MailFolder } from '../mailbox/mail-store.js';

/** EAS folder types ([MS-ASCMD] 2.2.3.186.3) of the JMAP roles that have one; every other folder is user mail (12). */
export const FolderType = {
  UserMail: 12,
  Inbox: 2,
  Drafts: 3,
  DeletedItems: 4,
  SentItems: 5,
  Outbox: 6,
} as const;

const TYPE_OF_ROLE: Record<string, number> = {
  inbox: FolderType.Inbox,
  drafts: FolderType.Drafts,
  trash: FolderType.DeletedItems,
  sent: FolderType.SentItems,
  outbox: FolderType.Outbox,
};

export function folderTypeOf(role: string | null): number {
  return (role && TYPE_OF_ROLE[role]) || FolderType.UserMail;
}

/** The hierarchy as the device is to hold it: ServerId (JMAP mailbox id) -> parent, name, type. */
export function hierarchyOf(folders: readonly MailFolder[]): Record<string, HeldFolder> {
  const hierarchy: Record<string, HeldFolder> = {};
  for (const folder of folders) {
    hierarchy[folder.id] = {
      parentId: folder.parentId ?? '0',
      name: folder.name,
      type: folderTypeOf(folder.role),
    };
  }
  return hierarchy;
}

/** The default folders a quarantined device is shown, by type, with the names Exchange gives them. */
const QUARANTINE_FOLDERS: ReadonlyMap<number, string> = new Map([
  [FolderType.Inbox, 'Inbox'],
  [FolderType.Drafts, 'Drafts'],
  [FolderType.DeletedItems, 'Deleted Items'],
  [FolderType.SentItems, 'Sent Items'],
  [FolderType.Outbox, 'Outbox'],
]);

/**
 * The hierarchy as a quarantined device is to hold it, as Exchange shows it: the default folders
 * only (the first of each type), at the top and under their standard names, with their real
 * ServerIds (so that the Inbox it syncs stays the Inbox once it is allowed); no user folder, and
 * nothing the account's owner named.
 */
export function quarantineHierarchyOf(folders: readonly MailFolder[]): Record<string, HeldFolder> {
  const hierarchy: Record<string, HeldFolder> = {};
  const shown = new Set<number>();
  for (const folder of folders) {
    const type = folderTypeOf(folder.role);
    const name = QUARANTINE_FOLDERS.get(type);
    if (name === undefined || shown.has(type)) continue;
    shown.add(type);
    hierarchy[folder.id] = { parentId: '0', name, type };
  }
  return hierarchy;
}

export interface HierarchyChanges {
  added: string[];
  updated: string[];
  deleted: string[];
}

/** What changed from what the device holds to what the account has; parents are added before children. */
export function hierarchyChanges(
  held: Record<string, HeldFolder>,
  current: Record<string, HeldFolder>,
): HierarchyChanges {
  const added = Object.keys(current).filter((id) => !(id in held));
  const depth = (id: string): number => {
    let level = 0;
    for (let at = current[id]?.parentId; at && at !== '0' && level < 64; at = current[at]?.parentId)
      level += 1;
    return level;
  };
  added.sort((a, b) => depth(a) - depth(b));
  const updated = Object.keys(current).filter((id) => {
    const before = held[id];
    const after = current[id];
    return (
      before &&
      after &&
      (before.name !== after.name || before.parentId !== after.parentId || before.type !== after.type)
    );
  });
  const deleted = Object.keys(held).filter((id) => !(id in current));
  return { added, updated, deleted };
}

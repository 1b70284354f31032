// FolderSync ([MS-ASCMD] 2.2.1.5): the folder hierarchy, incrementally by sync key.
import { el, type WbxmlElement } from '../wbxml/wbxml.js';
import { RequestReader } from './common.js';

/** FolderSync Status values ([MS-ASCMD] 2.2.3.177.5). */
export const FOLDER_SYNC_STATUS = {
  Success: 1,
  ServerError: 6,
  InvalidSyncKey: 9,
  ProtocolError: 10,
  UnknownError: 11,
  CodeUnknown: 12,
} as const;

/** FolderCreate Status values ([MS-ASCMD] 2.2.3.177.3); it has no 4. */
export const FOLDER_CREATE_STATUS = {
  Success: 1,
  /** A folder of that name already exists under the parent. */
  AlreadyExists: 2,
  /** The parent is a special system folder (the Recipient information cache). */
  SpecialParent: 3,
  ParentNotFound: 5,
  /** Transient: a phone retries it, so never the answer to a request that can never succeed. */
  ServerError: 6,
  InvalidSyncKey: 9,
  /**
   * Incorrectly formatted request (a semantic or syntactic error): also the answer to a folder Type
   * the server does not create (anything but 12, user-created mail). The table has no "type not
   * supported"; 3 is only a parent that is the Recipient information cache, and 6, 11 and 12 are
   * transient, so 10 is the one value that tells the phone not to send the request again.
   */
  BadRequest: 10,
  UnknownError: 11,
  CodeUnknown: 12,
} as const;

/** FolderUpdate Status values ([MS-ASCMD] 2.2.3.177.6). */
export const FOLDER_UPDATE_STATUS = {
  Success: 1,
  /** A folder of that name already exists, or the folder is a special folder (Inbox, Drafts, ...). */
  ExistsOrSpecialFolder: 2,
  /** The folder is the Recipient information cache. */
  RecipientInformationFolder: 3,
  NotFound: 4,
  ParentNotFound: 5,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
  UnknownError: 11,
} as const;

/** FolderDelete Status values ([MS-ASCMD] 2.2.3.177.4); it has no 2 or 5. */
export const FOLDER_DELETE_STATUS = {
  Success: 1,
  /** A special system folder (Inbox, Outbox, Drafts, ...): it cannot be deleted. */
  SpecialFolder: 3,
  NotFound: 4,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
  UnknownError: 11,
} as const;

/** Folder Type values ([MS-ASCMD] 2.2.3.186.3). */
export const FOLDER_TYPE = {
  UserGeneric: 1,
  Inbox: 2,
  Drafts: 3,
  DeletedItems: 4,
  SentItems: 5,
  Outbox: 6,
  Tasks: 7,
  Calendar: 8,
  Contacts: 9,
  Notes: 10,
  Journal: 11,
  UserMail: 12,
  UserCalendar: 13,
  UserContacts: 14,
  UserTasks: 15,
  UserJournal: 16,
  UserNotes: 17,
  Unknown: 18,
  RecipientInformationCache: 19,
} as const;

export interface FolderSyncRequest {
  syncKey: string;
}

export interface Folder {
  serverId: string;
  /** "0" for a folder at the top of the hierarchy. */
  parentId: string;
  displayName: string;
  type: number;
}

export interface FolderSyncResponse {
  status: number;
  syncKey?: string;
  changes?: { add?: Folder[]; update?: Folder[]; delete?: string[] };
}

const r = new RequestReader('FolderSync', FOLDER_SYNC_STATUS.ProtocolError);

/** Reads a FolderSync request; throws ActiveSyncCommandError with Status 10 for a malformed one. */
export function readFolderSyncRequest(root: WbxmlElement): FolderSyncRequest {
  r.root(root, 'FolderHierarchy', 'FolderSync');
  return { syncKey: r.requiredText(root, 'SyncKey', 'FolderHierarchy', 64) };
}

const folder = (tag: 'Add' | 'Update', f: Folder) =>
  el(
    'FolderHierarchy',
    tag,
    el('FolderHierarchy', 'ServerId', f.serverId),
    el('FolderHierarchy', 'ParentId', f.parentId),
    el('FolderHierarchy', 'DisplayName', f.displayName),
    el('FolderHierarchy', 'Type', String(f.type)),
  );

/** Builds a FolderSync response; Changes carries Count, then updates, deletes and adds. */
export function buildFolderSyncResponse(response: FolderSyncResponse): WbxmlElement {
  const changes = response.changes;
  const count = (changes?.add?.length ?? 0) + (changes?.update?.length ?? 0) + (changes?.delete?.length ?? 0);
  return el(
    'FolderHierarchy',
    'FolderSync',
    el('FolderHierarchy', 'Status', String(response.status)),
    response.syncKey !== undefined && el('FolderHierarchy', 'SyncKey', response.syncKey),
    changes !== undefined &&
      el(
        'FolderHierarchy',
        'Changes',
        el('FolderHierarchy', 'Count', String(count)),
        (changes.update ?? []).map((f) => folder('Update', f)),
        (changes.delete ?? []).map((id) =>
          el('FolderHierarchy', 'Delete', el('FolderHierarchy', 'ServerId', id)),
        ),
        (changes.add ?? []).map((f) => folder('Add', f)),
      ),
  );
}

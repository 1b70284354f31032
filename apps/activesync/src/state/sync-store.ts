import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { preparedQuery } from '@pushmail/platform';
import { DataSource, type Repository } from 'typeorm';
import { FolderState, type HeldFolder } from './entities/folder-state.entity.js';
import { SyncState, type HeldItem } from './entities/sync-state.entity.js';
import { KEEP_SYNC_REQUEST } from '../usecases/hold-sync/last-sync-requests.js';

/**
 * The next SyncKey after `key`: `{generation}N`, as Exchange writes them. A key names one
 * generation of one device's collection, so a key from another device or collection is unknown here.
 */
export function nextSyncKey(key: string | null): string {
  const match = key ? /^(\{[0-9a-f-]{36}\})(\d{1,9})$/.exec(key) : null;
  if (!match) return `{${randomUUID()}}1`;
  return `${match[1]}${Number(match[2]) + 1}`;
}

/** What a device holds of one collection, as a Ping or a held Sync compares it with the folder. */
export type HeldCollection = Pick<
  SyncState,
  'collectionId' | 'syncKey' | 'emailState' | 'items' | 'windowDays'
>;

/** A collection's state as a Sync reads it: without the device and account it was asked for. */
export type CollectionState = Pick<
  SyncState,
  | 'syncKey'
  | 'emailState'
  | 'items'
  | 'windowDays'
  | 'previousKey'
  | 'previousResponse'
  | 'previousQuarantined'
>;

/** The folder hierarchy a device holds, with what it holds of each collection it synced. */
export interface DeviceHierarchy {
  folders: Record<string, HeldFolder>;
  /** The folders are the quarantine view (`FolderState.quarantined`). */
  quarantined: boolean;
  collections: HeldCollection[];
}

/** What a Sync reads first: the hierarchy the device holds, and its state of one collection. */
export interface HeldHierarchyWithState {
  /** The folders are the quarantine view (`FolderState.quarantined`). */
  quarantined: boolean;
  /** The ServerIds of the folders the device holds: a Sync of any other is told the hierarchy changed. */
  folderIds: ReadonlySet<string>;
  /** Its state of the collection asked for (null: none). */
  collection: CollectionState | null;
}

/** A collection's columns as a statement reads them. */
export interface HeldCollectionRow {
  collection_id: string;
  sync_key: string;
  email_state: string | null;
  items: Record<string, HeldItem>;
  window_days: number | null;
}

/**
 * Where each device's SyncKeys live, with what the device holds under them and the last answer.
 * The statements every Sync and Ping runs (`heldCollections`, `hierarchyWithCollections`,
 * `hierarchyWithState`, `advanceSyncState`) are written out and prepared once per connection:
 * built through the repository, building them took more of the gateway's CPU than running them.
 */
@Injectable()
export class SyncStore {
  private readonly folderRepo: Repository<FolderState>;
  private readonly syncRepo: Repository<SyncState>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.folderRepo = dataSource.getRepository(FolderState);
    this.syncRepo = dataSource.getRepository(SyncState);
  }

  folderState(accountId: string, deviceId: string): Promise<FolderState | null> {
    return this.folderRepo.findOneBy({ accountId, deviceId });
  }

  /**
   * The folders the device holds and what it holds of each collection it synced, in one statement
   * (a Ping needs both); undefined when it holds no hierarchy.
   */
  async hierarchyWithCollections(accountId: string, deviceId: string): Promise<DeviceHierarchy | undefined> {
    // One row per collection (one without any), each with the folders: a device syncs a handful.
    const rows = await preparedQuery<
      { folders: Record<string, HeldFolder>; quarantined: boolean } & {
        [K in keyof HeldCollectionRow]: HeldCollectionRow[K] | null;
      }
    >(
      this.dataSource,
      'activesync.hierarchy-with-collections',
      `SELECT f.folders, f.quarantined, s.collection_id, s.sync_key, s.email_state, s.items, s.window_days
         FROM activesync.folder_states f
         LEFT JOIN activesync.sync_states s ON s.account_id = f.account_id AND s.device_id = f.device_id
        WHERE f.account_id = $1 AND f.device_id = $2`,
      [accountId, deviceId],
    );
    return hierarchyOf(rows);
  }

  /**
   * Whether the device holds a hierarchy (which folders, and whether it is the quarantine view), and
   * what it holds of `collectionId` (null: nothing), in one statement: a Sync needs both before it answers its
   * first collection.
   */
  async hierarchyWithState(
    accountId: string,
    deviceId: string,
    collectionId: string,
    /**
     * The Sync request to keep as the device's last (`KEEP_SYNC_REQUEST`, its WBXML), in the same
     * statement: the upsert runs whether or not the device holds a hierarchy.
     */
    keep?: Buffer,
    /**
     * The SyncKey the request sent: the answer kept for a retry (`previousResponse`, as large as the
     * last answer) is read only when it is that key's, null otherwise. Unset: read whatever key it is.
     */
    sentKey?: string,
  ): Promise<HeldHierarchyWithState | undefined> {
    const select = `SELECT f.quarantined, ARRAY(SELECT jsonb_object_keys(f.folders)) AS folder_ids,
              s.sync_key, s.email_state, s.items, s.window_days, s.previous_key,
              CASE WHEN $4::text IS NULL OR s.previous_key = $4::text THEN s.previous_response END
                AS previous_response,
              s.previous_quarantined
         FROM activesync.folder_states f
         LEFT JOIN activesync.sync_states s
           ON s.account_id = f.account_id AND s.device_id = f.device_id AND s.collection_id = $3
        WHERE f.account_id = $1 AND f.device_id = $2`;
    const [row] = await preparedQuery<{
      quarantined: boolean;
      folder_ids: string[];
      sync_key: string | null;
      email_state: string | null;
      items: Record<string, HeldItem> | null;
      window_days: number | null;
      previous_key: string | null;
      previous_response: Buffer | null;
      previous_quarantined: boolean | null;
    }>(
      this.dataSource,
      keep ? 'activesync.keep-request-hierarchy-with-state' : 'activesync.hierarchy-with-state',
      // A data-modifying WITH runs to completion whether or not the query reads it.
      keep ? `WITH kept AS (${KEEP_SYNC_REQUEST.replace('$3', '$5')}) ${select}` : select,
      keep
        ? [accountId, deviceId, collectionId, sentKey ?? null, keep]
        : [accountId, deviceId, collectionId, sentKey ?? null],
    );
    if (!row) return undefined;
    const held = { quarantined: row.quarantined, folderIds: new Set(row.folder_ids) };
    if (row.sync_key === null) return { ...held, collection: null };
    return {
      ...held,
      collection: {
        syncKey: row.sync_key,
        emailState: row.email_state,
        items: row.items ?? {},
        windowDays: row.window_days,
        previousKey: row.previous_key,
        previousResponse: row.previous_response,
        previousQuarantined: row.previous_quarantined === true,
      },
    };
  }

  /** What the device holds of each collection it synced (not the answers kept for a retry). */
  async heldCollections(accountId: string, deviceId: string): Promise<HeldCollection[]> {
    const rows = await preparedQuery<HeldCollectionRow>(
      this.dataSource,
      'activesync.held-collections',
      `SELECT collection_id, sync_key, email_state, items, window_days
         FROM activesync.sync_states
        WHERE account_id = $1 AND device_id = $2`,
      [accountId, deviceId],
    );
    return rows.map(heldCollectionOf);
  }

  /**
   * Moves the hierarchy from `fromKey` to `state.syncKey`: only if the device still holds `fromKey`
   * (false when another request moved it first). A FolderSync from 0 starts the device afresh.
   */
  async saveFolderState(
    accountId: string,
    deviceId: string,
    fromKey: string,
    state: {
      syncKey: string;
      folders: Record<string, HeldFolder>;
      /** The folders are the quarantine view. */
      quarantined: boolean;
      response: Buffer;
    },
  ): Promise<boolean> {
    if (fromKey === '0') {
      await this.syncRepo.delete({ accountId, deviceId });
      await this.folderRepo.upsert(
        {
          accountId,
          deviceId,
          syncKey: state.syncKey,
          folders: state.folders,
          quarantined: state.quarantined,
          previousKey: null,
          previousResponse: null,
        },
        ['accountId', 'deviceId'],
      );
      return true;
    }
    const result = await this.folderRepo.update(
      { accountId, deviceId, syncKey: fromKey },
      {
        syncKey: state.syncKey,
        folders: state.folders,
        quarantined: state.quarantined,
        previousKey: fromKey,
        previousResponse: state.response,
      },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Forgets the answers kept for a retry of each collection's last Sync: a device just shown the
   * quarantine view must not get mail again by retrying a key it was answered at while allowed
   * (such a key is then unknown, Status 3, and the device starts the collection over).
   */
  async forgetKeptAnswers(accountId: string, deviceId: string): Promise<void> {
    await this.syncRepo.update({ accountId, deviceId }, { previousKey: null, previousResponse: null });
  }

  /** Changes the folders the device holds without a new key (FolderCreate and friends carry their own key). */
  async replaceFolders(
    accountId: string,
    deviceId: string,
    syncKey: string,
    folders: Record<string, HeldFolder>,
    fromKey: string,
  ): Promise<boolean> {
    const result = await this.folderRepo.update(
      { accountId, deviceId, syncKey: fromKey },
      { syncKey, folders, previousKey: null, previousResponse: null },
    );
    return (result.affected ?? 0) > 0;
  }

  syncState(accountId: string, deviceId: string, collectionId: string): Promise<SyncState | null> {
    return this.syncRepo.findOneBy({ accountId, deviceId, collectionId });
  }

  syncStates(accountId: string, deviceId: string): Promise<SyncState[]> {
    return this.syncRepo.findBy({ accountId, deviceId });
  }

  /** A collection starts afresh (SyncKey 0): nothing held. */
  async resetSyncState(
    accountId: string,
    deviceId: string,
    collectionId: string,
    syncKey: string,
  ): Promise<void> {
    await this.syncRepo.upsert(
      {
        accountId,
        deviceId,
        collectionId,
        syncKey,
        emailState: null,
        items: {},
        windowDays: null,
        previousKey: null,
        previousResponse: null,
      },
      ['accountId', 'deviceId', 'collectionId'],
    );
  }

  /**
   * Moves a collection from `fromKey` to the new key and keeps `next.response` for a retry of
   * `fromKey`: only if the device still holds `fromKey` and still holds the hierarchy view the answer
   * was built for (`next.quarantined`); false when another request moved it first or a FolderSync
   * changed the view meanwhile. FolderSync does not wait for the Sync's lock: without the view in
   * this statement, a Sync let in before a quarantine could keep its answer (mail) after the
   * quarantine FolderSync forgot the kept answers, and a retry of its key would replay the mail.
   * A FolderSync that commits while this statement runs is ordered after it (its forgetting may
   * then come before this write): the kept answer says which view it was built for
   * (`previous_quarantined`), and the Sync replays none built for the whole hierarchy to a device
   * holding the quarantine view. No row lock on the hierarchy: every Sync runs this.
   */
  async advanceSyncState(
    accountId: string,
    deviceId: string,
    collectionId: string,
    fromKey: string,
    next: {
      syncKey: string;
      emailState: string | null;
      items: Record<string, HeldItem>;
      /** The sync window (days, 0: any age) the items are held within; null: not known. */
      windowDays: number | null;
      response: Buffer;
      /** The answer was built for the quarantine view (`FolderState.quarantined` as the Sync read it). */
      quarantined: boolean;
    },
    /**
     * What the device held under `fromKey`, as the Sync read it: only the difference from it to
     * `next.items` is sent and applied (`heldDelta`), not every message of the folder again.
     * Unset: `next.items` is written whole.
     */
    heldBefore?: Readonly<Record<string, HeldItem>>,
  ): Promise<boolean> {
    const delta = heldBefore ? heldDelta(heldBefore, next.items) : undefined;
    const moved = await preparedQuery<{ moved: number }>(
      this.dataSource,
      'activesync.advance-sync-state',
      `UPDATE activesync.sync_states
          SET sync_key = $5, email_state = $6, window_days = $11,
              items = CASE WHEN $10::text[] IS NULL THEN $7::jsonb ELSE (items - $10::text[]) || $7::jsonb END,
              previous_key = $4, previous_response = $8, previous_quarantined = $9
        WHERE account_id = $1 AND device_id = $2 AND collection_id = $3 AND sync_key = $4
          AND (SELECT f.quarantined FROM activesync.folder_states f
                WHERE f.account_id = $1 AND f.device_id = $2) = $9
       RETURNING 1 AS moved`,
      [
        accountId,
        deviceId,
        collectionId,
        fromKey,
        next.syncKey,
        next.emailState,
        JSON.stringify(delta ? delta.set : next.items),
        next.response,
        next.quarantined,
        delta ? delta.removed : null,
        next.windowDays,
      ],
    );
    return moved.length > 0;
  }

  /** Changes what the device holds under its current key (MoveItems moves messages between collections). */
  async adjustHeld(
    accountId: string,
    deviceId: string,
    collectionId: string,
    change: (items: Record<string, HeldItem>) => void,
  ): Promise<void> {
    const state = await this.syncState(accountId, deviceId, collectionId);
    if (!state) return;
    change(state.items);
    await this.syncRepo.update(
      { accountId, deviceId, collectionId, syncKey: state.syncKey },
      { items: state.items, emailState: null },
    );
  }

  async dropSyncState(accountId: string, deviceId: string, collectionId: string): Promise<void> {
    await this.syncRepo.delete({ accountId, deviceId, collectionId });
  }
}

/**
 * What changed from `before` to `after`: the ids no longer held, and the ids added or whose flags
 * changed with their flags now. Applied as `(before - removed) || set`, it gives `after`.
 */
export function heldDelta(
  before: Readonly<Record<string, HeldItem>>,
  after: Readonly<Record<string, HeldItem>>,
): { removed: string[]; set: Record<string, HeldItem> } {
  const removed: string[] = [];
  const set: Record<string, HeldItem> = {};
  for (const id of Object.keys(before)) if (!Object.hasOwn(after, id)) removed.push(id);
  for (const id of Object.keys(after)) {
    const was = Object.hasOwn(before, id) ? before[id] : undefined;
    const now = after[id]!;
    if (!was || was.read !== now.read || was.flagged !== now.flagged || was.receivedAt !== now.receivedAt)
      set[id] = now;
  }
  return { removed, set };
}

function heldCollectionOf(row: HeldCollectionRow): HeldCollection {
  return {
    collectionId: row.collection_id,
    syncKey: row.sync_key,
    emailState: row.email_state,
    items: row.items,
    windowDays: row.window_days,
  };
}

/**
 * The hierarchy from the rows of folder_states joined with sync_states (one per collection, one
 * with null collection columns when there is none); undefined without rows or folders.
 */
export function hierarchyOf(
  rows: ReadonlyArray<
    { folders: Record<string, HeldFolder> | null; quarantined: boolean | null } & {
      [K in keyof HeldCollectionRow]: HeldCollectionRow[K] | null;
    }
  >,
): DeviceHierarchy | undefined {
  const folders = rows[0]?.folders;
  if (!folders) return undefined;
  const collections: HeldCollection[] = [];
  for (const row of rows)
    if (row.collection_id !== null && row.sync_key !== null)
      collections.push(
        heldCollectionOf({
          collection_id: row.collection_id,
          sync_key: row.sync_key,
          email_state: row.email_state,
          items: row.items ?? {},
          window_days: row.window_days,
        }),
      );
  return { folders, quarantined: rows[0]?.quarantined === true, collections };
}

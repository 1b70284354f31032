import { Inject, Injectable } from '@nestjs/common';
import { MailStore, type FolderContents } from '../mailbox/mail-store.js';
import type { SyncState } from '../state/entities/sync-state.entity.js';
import { SyncStore } from '../state/sync-store.js';
import { FolderView, type FolderViewRequest } from './folder-view.js';
import { itemChanges, type ItemChanges } from './item-diff.js';

export interface PendingChanges {
  changes: ItemChanges;
  /** Undefined when nothing can have changed (the account's Email state is the one the device was answered at). */
  contents?: FolderContents;
}

const NONE: ItemChanges = { added: [], changed: [], deleted: [] };

/** A collection a held request watches, with the FilterType its Sync asked for. */
export interface WatchedCollection {
  collectionId: string;
  filterType?: number;
}

/**
 * What a device has yet to be told about one collection, from what it holds under its SyncKey:
 * Sync sends it, GetItemEstimate counts it, Ping asks whether there is any.
 */
@Injectable()
export class CollectionChanges {
  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(FolderView) private readonly view: FolderView,
    @Inject(SyncStore) private readonly store: SyncStore,
  ) {}

  /**
   * Which of the collections have something to tell the device under the SyncKeys it holds now (a
   * collection it never synced has nothing): what wakes a parked Ping or a held Sync.
   */
  async changedCollections(
    device: Omit<FolderViewRequest, 'collectionId' | 'filterType'> & { deviceId: string },
    collections: WatchedCollection[],
  ): Promise<string[]> {
    const { deviceId, ...folder } = device;
    const states = new Map(
      (await this.store.syncStates(folder.accountId, deviceId)).map((state) => [state.collectionId, state]),
    );
    const changed: string[] = [];
    for (const { collectionId, filterType } of collections) {
      const state = states.get(collectionId);
      if (!state || state.syncKey === '0') continue;
      const found = await this.pending(
        { ...folder, collectionId, ...(filterType === undefined ? {} : { filterType }) },
        state,
      );
      const { added, changed: flagged, deleted } = found.changes;
      if (added.length + flagged.length + deleted.length > 0) changed.push(collectionId);
    }
    return changed;
  }

  async pending(
    request: FolderViewRequest,
    state: Pick<SyncState, 'emailState' | 'items'>,
    force = false,
  ): Promise<PendingChanges> {
    if (!force && state.emailState !== null && request.standing.access !== 'quarantined') {
      if ((await this.mail.emailState(request.accountId)) === state.emailState) return { changes: NONE };
    }
    const contents = await this.view.contents(request);
    return { changes: itemChanges(state.items, contents.items), contents };
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { FolderState, type HeldFolder } from './entities/folder-state.entity.js';
import { SyncState, type HeldItem } from './entities/sync-state.entity.js';

/**
 * The next SyncKey after `key`: `{generation}N`, as Exchange writes them. A key names one
 * generation of one device's collection, so a key from another device or collection is unknown here.
 */
export function nextSyncKey(key: string | null): string {
  const match = key ? /^(\{[0-9a-f-]{36}\})(\d{1,9})$/.exec(key) : null;
  if (!match) return `{${randomUUID()}}1`;
  return `${match[1]}${Number(match[2]) + 1}`;
}

/** Where each device's SyncKeys live, with what the device holds under them and the last answer. */
@Injectable()
export class SyncStore {
  private readonly folderRepo: Repository<FolderState>;
  private readonly syncRepo: Repository<SyncState>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.folderRepo = dataSource.getRepository(FolderState);
    this.syncRepo = dataSource.getRepository(SyncState);
  }

  folderState(accountId: string, deviceId: string): Promise<FolderState | null> {
    return this.folderRepo.findOneBy({ accountId, deviceId });
  }

  /**
   * Moves the hierarchy from `fromKey` to `state.syncKey`: only if the device still holds `fromKey`
   * (false when another request moved it first). A FolderSync from 0 starts the device afresh.
   */
  async saveFolderState(
    accountId: string,
    deviceId: string,
    fromKey: string,
    state: { syncKey: string; folders: Record<string, HeldFolder>; response: Buffer },
  ): Promise<boolean> {
    if (fromKey === '0') {
      await this.syncRepo.delete({ accountId, deviceId });
      await this.folderRepo.upsert(
        {
          accountId,
          deviceId,
          syncKey: state.syncKey,
          folders: state.folders,
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
        previousKey: fromKey,
        previousResponse: state.response,
      },
    );
    return (result.affected ?? 0) > 0;
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
        previousKey: null,
        previousResponse: null,
      },
      ['accountId', 'deviceId', 'collectionId'],
    );
  }

  /** Moves a collection from `fromKey` to the new key; false when another request moved it first. */
  async advanceSyncState(
    accountId: string,
    deviceId: string,
    collectionId: string,
    fromKey: string,
    next: { syncKey: string; emailState: string | null; items: Record<string, HeldItem>; response: Buffer },
  ): Promise<boolean> {
    const result = await this.syncRepo.update(
      { accountId, deviceId, collectionId, syncKey: fromKey },
      {
        syncKey: next.syncKey,
        emailState: next.emailState,
        items: next.items,
        previousKey: fromKey,
        previousResponse: next.response,
      },
    );
    return (result.affected ?? 0) > 0;
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

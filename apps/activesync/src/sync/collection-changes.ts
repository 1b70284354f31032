import { Inject, Injectable } from '@nestjs/common';
import { MailStore, type FolderContents } from '../mailbox/mail-store.js';
import type { SyncState } from '../state/entities/sync-state.entity.js';
import { FolderView, type FolderViewRequest } from './folder-view.js';
import { itemChanges, type ItemChanges } from './item-diff.js';

export interface PendingChanges {
  changes: ItemChanges;
  /** Undefined when nothing can have changed (the account's Email state is the one the device was answered at). */
  contents?: FolderContents;
}

const NONE: ItemChanges = { added: [], changed: [], deleted: [] };

/**
 * What a device has yet to be told about one collection, from what it holds under its SyncKey:
 * Sync sends it, GetItemEstimate counts it, Ping asks whether there is any.
 */
@Injectable()
export class CollectionChanges {
  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(FolderView) private readonly view: FolderView,
  ) {}

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

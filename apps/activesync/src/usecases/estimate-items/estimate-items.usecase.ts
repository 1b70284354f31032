import { Inject, Injectable } from '@nestjs/common';
import {
  buildGetItemEstimateResponse,
  child,
  childText,
  children,
  el,
  GET_ITEM_ESTIMATE_STATUS,
  type GetItemEstimateResponse,
} from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { SyncStore } from '../../state/sync-store.js';
import { CollectionChanges } from '../../sync/collection-changes.js';
import { countOf } from '../../sync/item-diff.js';

/** GetItemEstimate: how many changes each collection's next Sync would bring, counted as Sync would. */
@Injectable()
export class EstimateItems implements EasCommand {
  readonly command = 'GetItemEstimate';

  constructor(
    @Inject(SyncStore) private readonly store: SyncStore,
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(CollectionChanges) private readonly pending: CollectionChanges,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const collections = context.body ? child(context.body, 'Collections', 'GetItemEstimate') : undefined;
    if (!collections) {
      const status = String(GET_ITEM_ESTIMATE_STATUS.InvalidCollection);
      return { body: el('GetItemEstimate', 'GetItemEstimate', el('GetItemEstimate', 'Status', status)) };
    }
    const { accountId, deviceId } = context.device;
    const folders = await this.mail.folders(accountId);
    const inboxId = folders.find((folder) => folder.role === 'inbox')?.id;
    const responses: GetItemEstimateResponse['responses'] = [];
    for (const collection of children(collections, 'Collection', 'GetItemEstimate')) {
      const collectionId =
        childText(collection, 'CollectionId', 'GetItemEstimate') ??
        childText(collection, 'CollectionId', 'AirSync');
      const syncKey = childText(collection, 'SyncKey', 'AirSync');
      const answer = (status: number) => ({ status, collectionId: collectionId ?? '' });
      if (!collectionId || !folders.some((folder) => folder.id === collectionId)) {
        responses.push(answer(GET_ITEM_ESTIMATE_STATUS.InvalidCollection));
        continue;
      }
      const state = await this.store.syncState(accountId, deviceId, collectionId);
      if (!state) {
        responses.push(answer(GET_ITEM_ESTIMATE_STATUS.SyncStateNotPrimed));
        continue;
      }
      if (syncKey !== undefined && syncKey !== state.syncKey) {
        responses.push(answer(GET_ITEM_ESTIMATE_STATUS.InvalidSyncKey));
        continue;
      }
      const found = await this.pending.pending(
        { accountId, address: context.device.address, standing: context.standing, collectionId, inboxId },
        state,
      );
      responses.push({ ...answer(GET_ITEM_ESTIMATE_STATUS.Success), estimate: countOf(found.changes) });
    }
    return { body: buildGetItemEstimateResponse({ responses }) };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import {
  buildGetItemEstimateResponse,
  child,
  childText,
  children,
  GET_ITEM_ESTIMATE_STATUS,
  type GetItemEstimateResponse,
} from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { SyncStore } from '../../state/sync-store.js';
import { CollectionChanges } from '../../sync/collection-changes.js';
import { hierarchyOutOfDate } from '../../sync/folder-view.js';
import { countOf } from '../../sync/item-diff.js';

/**
 * GetItemEstimate: how many changes each collection's next Sync would bring, counted as Sync would
 * (for a quarantined device, from the quarantine view: never the account's mail).
 */
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
    if (!collections) return statusReply(this.command, GET_ITEM_ESTIMATE_STATUS.InvalidCollection);
    const { accountId, deviceId } = context.device;
    // The hierarchy the device holds, with its state of each collection, in one read. One that is
    // not the hierarchy its standing shows it (the quarantine view, allowed since, or the reverse)
    // counts nothing: each collection is Status 2, whose resolution is a FolderSync ([MS-ASCMD]
    // 2.2.3.177.7), as a Sync is told 12 and a Ping 7.
    const hierarchy = await this.store.hierarchyWithCollections(accountId, deviceId);
    const current = hierarchy !== undefined && !hierarchyOutOfDate(hierarchy, context.standing);
    const folders = current ? await this.mail.folders(accountId) : [];
    const inboxId = folders.find((folder) => folder.role === 'inbox')?.id;
    const states = new Map(hierarchy?.collections.map((state) => [state.collectionId, state]));
    const responses: GetItemEstimateResponse['responses'] = [];
    for (const collection of children(collections, 'Collection', 'GetItemEstimate')) {
      const collectionId =
        childText(collection, 'CollectionId', 'GetItemEstimate') ??
        childText(collection, 'CollectionId', 'AirSync');
      const syncKey = childText(collection, 'SyncKey', 'AirSync');
      const answer = (status: number) => ({ status, collectionId: collectionId ?? '' });
      // A folder mailbox no longer has, or one outside the hierarchy the device holds (a user
      // folder's ServerId guessed or kept by a quarantined phone): an invalid collection.
      if (
        !collectionId ||
        !current ||
        !(collectionId in hierarchy.folders) ||
        !folders.some((folder) => folder.id === collectionId)
      ) {
        responses.push(answer(GET_ITEM_ESTIMATE_STATUS.InvalidCollection));
        continue;
      }
      const state = states.get(collectionId);
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

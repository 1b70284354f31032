import { Inject, Injectable } from '@nestjs/common';
import { child, childText, children, elementsOf } from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { SyncStore } from '../../state/sync-store.js';
import { CollectionChanges } from '../../sync/collection-changes.js';
import { countOf } from '../../sync/item-diff.js';

/** GetItemEstimate statuses ([MS-ASCMD] 2.2.3.177.6). */
const EstimateStatus = { Success: 1, InvalidCollection: 2, NotPrimed: 3, InvalidSyncKey: 4 } as const;

const g = elementsOf('GetItemEstimate');

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
    if (!collections) return { body: g('GetItemEstimate', g('Status', '2')) };
    const { accountId, deviceId } = context.device;
    const folders = await this.mail.folders(accountId);
    const inboxId = folders.find((folder) => folder.role === 'inbox')?.id;
    const responses = [];
    for (const collection of children(collections, 'Collection', 'GetItemEstimate')) {
      const collectionId =
        childText(collection, 'CollectionId', 'GetItemEstimate') ??
        childText(collection, 'CollectionId', 'AirSync');
      const syncKey = childText(collection, 'SyncKey', 'AirSync');
      const answer = (status: number, estimate?: number) =>
        g(
          'Response',
          g('Status', String(status)),
          g(
            'Collection',
            g('CollectionId', collectionId ?? ''),
            estimate !== undefined && g('Estimate', String(estimate)),
          ),
        );
      if (!collectionId || !folders.some((folder) => folder.id === collectionId)) {
        responses.push(answer(EstimateStatus.InvalidCollection));
        continue;
      }
      const state = await this.store.syncState(accountId, deviceId, collectionId);
      if (!state) {
        responses.push(answer(EstimateStatus.NotPrimed));
        continue;
      }
      if (syncKey !== undefined && syncKey !== state.syncKey) {
        responses.push(answer(EstimateStatus.InvalidSyncKey));
        continue;
      }
      const found = await this.pending.pending(
        { accountId, address: context.device.address, standing: context.standing, collectionId, inboxId },
        state,
      );
      responses.push(answer(EstimateStatus.Success, countOf(found.changes)));
    }
    return { body: g('GetItemEstimate', ...responses) };
  }
}

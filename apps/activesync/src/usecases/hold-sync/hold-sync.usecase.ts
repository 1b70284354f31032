import { Inject, Injectable } from '@nestjs/common';
import { child, childText, SYNC_STATUS, type WbxmlElement } from '@pushmail/activesync';
import { CONFIG } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../../config/activesync-config.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { type DeviceHierarchy, SyncStore } from '../../state/sync-store.js';
import {
  CollectionChanges,
  gateRequestOf,
  inboxIdOf,
  type WatchedCollection,
} from '../../sync/collection-changes.js';
import { hierarchyOutOfDate } from '../../sync/folder-view.js';
import { requestStatus, SyncEmail } from '../sync-email/sync-email.usecase.js';
import { LastSyncRequests } from './last-sync-requests.js';
import { collectionsOf, holdOf, keptFormOf, mergedRequest, repeatedRequest } from './sync-request.js';

/**
 * Sync as a phone speaks it around the collection work that SyncEmail does: an empty Sync repeats
 * the last request at the keys the phone now holds, a Partial one changes only the collections it
 * names, and a Sync with Wait or HeartbeatInterval that has nothing to tell is held, like a Ping and
 * woken by the same mailbox changes, until one of its collections changes (answered then) or the
 * interval passes (an empty answer: the phone keeps its keys and asks again).
 */
@Injectable()
export class HoldSync implements EasCommand {
  readonly command = 'Sync';

  constructor(
    @Inject(SyncEmail) private readonly sync: SyncEmail,
    @Inject(LastSyncRequests) private readonly requests: LastSyncRequests,
    @Inject(SyncStore) private readonly store: SyncStore,
    @Inject(CollectionChanges) private readonly changes: CollectionChanges,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const { accountId, deviceId } = context.device;
    const sent = context.body;
    const partial = sent !== undefined && child(sent, 'Partial', 'AirSync') !== undefined;
    let request: WbxmlElement;
    if (sent !== undefined && !partial) {
      request = sent;
    } else {
      const last = await this.requests.find(accountId, deviceId);
      if (!last) return requestStatus(SYNC_STATUS.IncompleteRequest);
      // The collections the phone leaves out are the last request's at the keys it holds now: the
      // keys of the last request were answered since, and sent again they would replay that answer.
      const keys = new Map(
        (await this.store.syncStates(accountId, deviceId)).map((state) => [
          state.collectionId,
          state.syncKey,
        ]),
      );
      const current = repeatedRequest(last, (collectionId) => keys.get(collectionId));
      request = sent !== undefined ? mergedRequest(current, sent) : current;
    }

    const hold = holdOf(request, {
      minHeartbeatSeconds: this.config.PING_MIN_HEARTBEAT_SECONDS,
      maxHeartbeatSeconds: this.config.PING_MAX_HEARTBEAT_SECONDS,
    });
    if ('invalid' in hold)
      return hold.invalid === 'both'
        ? requestStatus(SYNC_STATUS.ProtocolError)
        : requestStatus(SYNC_STATUS.InvalidWaitOrHeartbeat, hold.limit);
    const keep = collectionsOf(request).length > 0 ? keptFormOf(request) : undefined;
    // Answered now: the request is kept in the statement of the Sync's first read.
    if (!hold.hold) return this.sync.execute({ ...context, body: request }, keep);
    if (keep) await this.requests.save(accountId, deviceId, keep);
    const run = () => this.sync.execute({ ...context, body: request });

    const held = await this.holdable(context, request);
    if (!held) return run();
    const end = await this.changes.waitUntilChanged(
      { device: context.device, standing: context.standing, connection: context.answer.connection },
      {
        collections: held.watched,
        inboxId: inboxIdOf(held.hierarchy.folders),
        held: held.hierarchy.collections,
        heartbeatMs: hold.ms,
      },
    );
    // Answered as the device stands now: its standing may have moved while the Sync was held.
    const answerNow = () =>
      this.sync.execute({ ...context, standing: this.changes.standingOf(context.device), body: request });
    if (end.reason === 'pending' || end.reason === 'changed') return answerNow();
    if (end.reason === 'standing') {
      const refusal = await this.changes.refusalAfterStandingChange(
        context.device,
        'Sync',
        gateRequestOf(context),
      );
      if (refusal) return refusal;
      // A quarantine lifted (or set): the hierarchy the device holds is no longer the one it may
      // see, and it FolderSyncs (12) before it syncs again, as a parked Ping ends with 7.
      if (this.changes.hierarchyOutOfDate(context.device, held.hierarchy.quarantined))
        return requestStatus(SYNC_STATUS.FolderHierarchyChanged);
      return answerNow();
    }
    // The interval passed, a newer Sync or Ping of the device took over, or the server stops: nothing
    // changed, so the phone keeps its keys.
    return { empty: true };
  }

  /**
   * The collections to watch while the Sync is held, with the hierarchy the device holds; undefined
   * when it must be answered now: the phone sent changes (it needs their outcome), asks for no
   * changes, starts a collection, holds a key other than the one the gateway gave it last (a retry
   * or an unknown key), or must FolderSync first (its hierarchy is not the one its standing shows
   * it, or a collection is not in it: the Sync answers 12 at once, as a Ping answers 7).
   */
  private async holdable(
    context: EasCommandContext,
    request: WbxmlElement,
  ): Promise<{ watched: WatchedCollection[]; hierarchy: DeviceHierarchy } | undefined> {
    const collections = collectionsOf(request);
    if (collections.length === 0) return undefined;
    const hierarchy = await this.store.hierarchyWithCollections(
      context.device.accountId,
      context.device.deviceId,
    );
    if (!hierarchy || hierarchyOutOfDate(hierarchy, context.standing)) return undefined;
    const keys = new Map(hierarchy.collections.map((state) => [state.collectionId, state.syncKey]));
    const watched: WatchedCollection[] = [];
    for (const collection of collections) {
      const syncKey = childText(collection, 'SyncKey', 'AirSync');
      const collectionId = childText(collection, 'CollectionId', 'AirSync');
      if (syncKey === undefined || collectionId === undefined || syncKey === '0') return undefined;
      if (!(collectionId in hierarchy.folders) || keys.get(collectionId) !== syncKey) return undefined;
      if (childText(collection, 'GetChanges', 'AirSync') === '0') return undefined;
      if (child(collection, 'Commands', 'AirSync')) return undefined;
      const options = child(collection, 'Options', 'AirSync');
      const filterType = Number(options ? childText(options, 'FilterType', 'AirSync') : undefined);
      watched.push({ collectionId, ...(Number.isInteger(filterType) ? { filterType } : {}) });
    }
    return { watched, hierarchy };
  }
}

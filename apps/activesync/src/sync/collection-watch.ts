import { Inject, Injectable } from '@nestjs/common';
import { FolderType } from '../folders/folder-types.js';
import { PingRegistry, type PingEnd } from '../ping/ping-registry.js';
import { gateOf } from '../protocol/device-gate.js';
import type { EasCommandContext, EasReply } from '../protocol/eas-command.js';
import { refusalReply, standingKey } from '../protocol/refusal.js';
import { DeviceViews } from '../registry/device-views.js';
import { DeviceStore } from '../state/device-store.js';
import type { HeldFolder } from '../state/entities/folder-state.entity.js';
import { CollectionChanges, type WatchedCollection } from './collection-changes.js';

/** How a held request ended: as a parked Ping ends, or `pending` when it had something to tell at once. */
export type WatchEnd = PingEnd | { reason: 'pending'; folders: string[] };

/**
 * A request held until one of its collections changes (a Ping, a Sync with Wait or
 * HeartbeatInterval): woken by what CollectionChanges finds, and ended by a change of the device's
 * standing, after which the device may have to be refused.
 */
@Injectable()
export class CollectionWatch {
  constructor(
    @Inject(CollectionChanges) private readonly changes: CollectionChanges,
    @Inject(PingRegistry) private readonly pings: PingRegistry,
    @Inject(DeviceViews) private readonly views: DeviceViews,
    @Inject(DeviceStore) private readonly devices: DeviceStore,
  ) {}

  /**
   * Parks the request until one of `collections` has something to tell the device, its heartbeat
   * passes, a newer Ping or Sync of the device takes over, its standing moves or it goes away.
   * When there is something to tell already it does not park (`pending`); `onPark` runs just
   * before it does.
   */
  async parkUntilChanged(
    context: EasCommandContext,
    watch: {
      collections: WatchedCollection[];
      /** The hierarchy the device holds (to find its Inbox). */
      folders: Record<string, HeldFolder>;
      heartbeatMs: number;
      onPark?: () => void;
    },
  ): Promise<WatchEnd> {
    const { accountId, deviceId, address } = context.device;
    const inboxId = Object.entries(watch.folders).find(([, folder]) => folder.type === FolderType.Inbox)?.[0];
    const check = (): Promise<string[]> =>
      this.changes.changedCollections(
        { accountId, deviceId, address, standing: this.views.standingOf(accountId, deviceId), inboxId },
        watch.collections,
      );
    const now = await check();
    if (now.length > 0) return { reason: 'pending', folders: now };
    watch.onPark?.();
    return this.pings.park({
      accountId,
      deviceId,
      heartbeatMs: watch.heartbeatMs,
      standing: standingKey(context.standing),
      check,
      signal: context.signal,
    });
  }

  /**
   * After a held request was ended by a change of the device's standing: the refusal the device
   * must now get (blocked, wiped, policy changed), or undefined when it is still allowed and only
   * what it may see moved (a quarantine lifted).
   */
  async refusalAfterStandingChange(
    context: EasCommandContext,
    command: string,
  ): Promise<EasReply | undefined> {
    const { accountId, deviceId } = context.device;
    const standing = this.views.standingOf(accountId, deviceId);
    const record = (await this.devices.find(accountId, deviceId)) ?? context.record;
    const verdict = gateOf(command, standing, record, context.request.policyKey, context.protocolVersion);
    return verdict.ok
      ? undefined
      : refusalReply(command, context.protocolVersion, verdict.status, verdict.reason);
  }
}

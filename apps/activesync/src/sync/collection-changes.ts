import { Inject, Injectable } from '@nestjs/common';
import { OnDemandSubscriptions } from '@pushmail/platform';
import { FolderType } from '../folders/folder-types.js';
import {
  MailStore,
  type EmailChanges,
  type EmailDetail,
  type FolderContents,
} from '../mailbox/mail-store.js';
import { AnnouncedEmailStates } from '../ping/announced-email-states.js';
import { MAILBOX_CHANGES } from '../ping/mailbox-changes-subscription.js';
import { PingRegistry, type PingConnection, type PingEnd, type PingWatcher } from '../ping/ping-registry.js';
import { gateOf, type ProvisionedKey } from '../protocol/device-gate.js';
import type { EasCommandContext, SentReply } from '../protocol/eas-command.js';
import { refusalReply, standingKey } from '../protocol/refusal.js';
import { DeviceViews, type DeviceStanding } from '../registry/device-views.js';
import { DeviceStore } from '../state/device-store.js';
import type { HeldFolder } from '../state/entities/folder-state.entity.js';
import type { SyncState } from '../state/entities/sync-state.entity.js';
import { type HeldCollection, SyncStore } from '../state/sync-store.js';
import { FolderView, type FolderViewRequest, hierarchyOutOfDate, seesQuarantineView } from './folder-view.js';
import { itemChanges, type ItemChanges } from './item-diff.js';

export interface PendingChanges {
  changes: ItemChanges;
  /** Undefined when nothing can have changed (the account's Email state is the one the device was answered at). */
  contents?: FolderContents;
  /**
   * The new messages as the changes that `contents` came from told them (`EmailChanges.created`):
   * read in the same snapshot as `contents`, so a Sync adds them without asking again.
   */
  created?: ReadonlyMap<string, EmailDetail>;
}

const NONE: ItemChanges = { added: [], changed: [], deleted: [] };

/** A collection a held request watches, with the FilterType its Sync asked for. */
export interface WatchedCollection {
  collectionId: string;
  filterType?: number;
}

/** How a held request ended: as a parked Ping ends, or `pending` when it had something to tell at once. */
export type WatchEnd = PingEnd | { reason: 'pending'; folders: string[] };

/**
 * What a device has yet to be told about one collection, from what it holds under its SyncKey:
 * Sync sends it, GetItemEstimate counts it, and a Ping or a held Sync waits until there is some
 * (woken by the account's mailbox changes, ended early by a change of the device's standing).
 */
@Injectable()
export class CollectionChanges {
  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(FolderView) private readonly view: FolderView,
    @Inject(SyncStore) private readonly store: SyncStore,
    @Inject(PingRegistry) private readonly pings: PingRegistry,
    @Inject(DeviceViews) private readonly views: DeviceViews,
    @Inject(DeviceStore) private readonly devices: DeviceStore,
    @Inject(AnnouncedEmailStates) private readonly announced: AnnouncedEmailStates,
    @Inject(OnDemandSubscriptions) private readonly onDemand: OnDemandSubscriptions,
  ) {}

  /**
   * Which of the collections have something to tell the device under the SyncKeys it holds now (a
   * collection it never synced has nothing): what wakes a parked Ping or a held Sync.
   *
   * Without an `emailState` from the change that woke it, a look takes the state last announced
   * for the account, when this replica knows it (`AnnouncedEmailStates`), for mailbox's answer if it
   * is the one the device holds: a held request watches the account's changes from before its
   * first look, so a change whose announcement this replica has yet to consume makes it look again
   * (ADR 0099). A different announced state may be older than the device's: mailbox is asked.
   *
   * `createdIn`, the folders the woken change's deliveries filed new mail in, answers without
   * asking mailbox: a watched folder among them that the device holds at another Email state has
   * mail it has not seen, and the Ping ends with those folders at once. Another watched folder that
   * changed in the same state is not looked at: the device's next Ping finds it in its first look
   * (ADR 0100). Not for the quarantine view, which never shows the account's mail.
   */
  private async changedCollections(
    device: Omit<FolderViewRequest, 'collectionId' | 'filterType'> & { deviceId: string },
    collections: WatchedCollection[],
    emailState?: string,
    /** What the device holds, when the request read it already. */
    held?: HeldCollection[],
    createdIn?: readonly string[],
  ): Promise<string[]> {
    const { deviceId, ...folder } = device;
    const states = new Map(
      (held ?? (await this.store.heldCollections(folder.accountId, deviceId))).map((state) => [
        state.collectionId,
        state,
      ]),
    );
    if (createdIn !== undefined && emailState !== undefined && !seesQuarantineView(folder.standing)) {
      const gained = collections
        .map(({ collectionId }) => collectionId)
        .filter((collectionId) => {
          const state = states.get(collectionId);
          return (
            createdIn.includes(collectionId) &&
            state !== undefined &&
            state.syncKey !== '0' &&
            state.emailState !== emailState
          );
        });
      if (gained.length > 0) return gained;
    }
    const announced =
      emailState === undefined && !seesQuarantineView(folder.standing)
        ? this.announced.emailStateOf(folder.accountId)
        : undefined;
    const changed: string[] = [];
    for (const { collectionId, filterType } of collections) {
      const state = states.get(collectionId);
      if (!state || state.syncKey === '0') continue;
      if (announced !== undefined && state.emailState === announced) continue;
      const found = await this.pending(
        { ...folder, collectionId, ...(filterType === undefined ? {} : { filterType }) },
        state,
        false,
        emailState,
      );
      const { added, changed: flagged, deleted } = found.changes;
      if (added.length + flagged.length + deleted.length > 0) changed.push(collectionId);
    }
    return changed;
  }

  /**
   * `emailState`: the account's Email state as a change just announced it, if known. It stands in
   * for asking mailbox: equal to the state the device was answered at, nothing changed since (a later
   * change brings its own announcement); different, the folder is listed without asking first.
   * `changes`: the account's changes read already (by a Sync, with its folders); used only when
   * read since the state the device was answered at.
   */
  async pending(
    request: FolderViewRequest,
    state: Pick<SyncState, 'emailState' | 'items' | 'windowDays'>,
    force = false,
    emailState?: string,
    changes?: EmailChanges,
  ): Promise<PendingChanges> {
    if (!force && state.emailState !== null && !seesQuarantineView(request.standing)) {
      const current = emailState ?? (await this.mail.emailState(request.accountId));
      // Nothing changed since the device was answered: nothing to tell, unless its window is wider
      // now than the one it was answered within (or that one is not known), when older messages
      // enter the view without any change.
      if (current === state.emailState && this.view.holdsWindow(request, state)) return { changes: NONE };
      // Something changed since the device was answered: what, rather than the whole folder again.
      const known = changes?.sinceState === state.emailState ? changes : undefined;
      const changed = known
        ? this.view.contentsFromChanges(request, known, state)
        : await this.view.changedContents(request, state.emailState, state);
      if (changed)
        return {
          changes: itemChanges(state.items, changed.items),
          contents: changed,
          ...(known?.created ? { created: known.created } : {}),
        };
    }
    const contents = await this.view.contents(request, state.items);
    return { changes: itemChanges(state.items, contents.items), contents };
  }

  /**
   * Parks the request until one of `collections` has something to tell the device, its heartbeat
   * passes, a newer Ping or Sync of the device takes over, its standing moves or it goes away, and
   * tells `waiter` how it ended (`waiter.ended`, once). When there is something to tell already it
   * does not park and answers the folders that have (`waiter` is not called); `waiter.parking` runs
   * just before it parks. While parked it holds only the device, the collections, the Inbox's id
   * and the waiter: no promise, frame or closure of the request's.
   */
  async parkUntilChanged(
    held: HeldRequest,
    watch: {
      collections: WatchedCollection[];
      /** The device's Inbox in the hierarchy it holds (`inboxIdOf`). */
      inboxId: string | undefined;
      heartbeatMs: number;
      /**
       * What the device holds of its collections, when the request read it already: its first look
       * uses it (a Sync the device runs meanwhile only makes that look find a change it has).
       */
      held?: HeldCollection[];
    },
    waiter: HeldWaiter,
  ): Promise<string[] | undefined> {
    const { accountId, deviceId } = held.device;
    const watcher = new WatchedCollections(this, held.device, watch.collections, watch.inboxId, waiter);
    // Mailbox changes are read from here on, if this replica had stopped reading them (ADR 0107).
    await this.onDemand.use(MAILBOX_CHANGES);
    // A change stored while the first look runs may not be in what it read: the park looks again.
    const arrivals = this.pings.watchArrivals(accountId);
    try {
      const now = await watcher.changedFolders(undefined, undefined, watch.held);
      if (now.length > 0) return now;
      waiter.parking?.();
      const standing = standingKey(held.standing);
      this.pings.park({
        accountId,
        deviceId,
        heartbeatMs: watch.heartbeatMs,
        standing,
        watcher,
        connection: held.connection,
        arrivals,
      });
      // A standing that moved after the request was let in but before it parked ended no park: it
      // ends this one now, or a blocked device would be answered with mail at the next change.
      if (standingKey(this.views.standingOf(accountId, deviceId)) !== standing)
        this.pings.standingChanged(accountId, (deviceKey) =>
          standingKey(this.views.standingOf(accountId, deviceKey.slice(accountId.length + 1))),
        );
      return undefined;
    } finally {
      this.pings.stopWatching(arrivals);
    }
  }

  /**
   * `parkUntilChanged` for a request that awaits its end (a held Sync): `pending` when there was
   * something to tell at once.
   */
  waitUntilChanged(
    held: HeldRequest,
    watch: Parameters<CollectionChanges['parkUntilChanged']>[1],
  ): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve, reject) => {
      this.parkUntilChanged(held, watch, { ended: resolve }).then(
        (folders) => folders && resolve({ reason: 'pending', folders }),
        reject,
      );
    });
  }

  /** Which of a parked request's collections changed (`changedCollections`), as its device stands now. */
  changedFolders(
    device: HeldDevice,
    collections: WatchedCollection[],
    inboxId: string | undefined,
    emailState?: string,
    createdIn?: readonly string[],
    held?: HeldCollection[],
  ): Promise<string[]> {
    const { accountId, deviceId, address } = device;
    return this.changedCollections(
      { accountId, deviceId, address, standing: this.views.standingOf(accountId, deviceId), inboxId },
      collections,
      emailState,
      held,
      createdIn,
    );
  }

  /**
   * After a held request was ended by a change of the device's standing: the refusal the device
   * must now get (blocked, wiped, policy changed), or undefined when it is still allowed and only
   * what it may see moved (a quarantine lifted).
   */
  async refusalAfterStandingChange(
    device: Pick<HeldDevice, 'accountId' | 'deviceId'>,
    command: string,
    gate: GateRequest,
  ): Promise<SentReply | undefined> {
    const { accountId, deviceId } = device;
    const standing = this.views.standingOf(accountId, deviceId);
    const record = (await this.devices.find(accountId, deviceId)) ?? gate.record;
    const verdict = gateOf(command, standing, record, gate.policyKey, gate.protocolVersion);
    return verdict.ok
      ? undefined
      : refusalReply(command, gate.protocolVersion, verdict.status, verdict.reason);
  }

  /** The device's standing as this replica sees it now (a held request's may have moved since). */
  standingOf(device: Pick<HeldDevice, 'accountId' | 'deviceId'>): DeviceStanding {
    return this.views.standingOf(device.accountId, device.deviceId);
  }

  /**
   * Whether the hierarchy the device holds (`quarantined`: the quarantine view) is no longer the one
   * its standing shows it, as this replica now sees the standing: a held request ended by a
   * quarantine lifted (or set) tells the device to FolderSync.
   */
  hierarchyOutOfDate(device: Pick<HeldDevice, 'accountId' | 'deviceId'>, quarantined: boolean): boolean {
    return hierarchyOutOfDate({ quarantined }, this.views.standingOf(device.accountId, device.deviceId));
  }
}

/** The device a held request is for. */
export interface HeldDevice {
  accountId: string;
  deviceId: string;
  address: string;
}

/** What of a request a held one keeps while it waits. */
export interface HeldRequest {
  device: HeldDevice;
  /** Its standing when it was parked: a move ends the wait. */
  standing: DeviceStanding;
  /** Its response: closed before an answer, the device went away. */
  connection: PingConnection;
}

/** What a held request's park tells: that it parks (just before), and how it ended (once). */
export interface HeldWaiter {
  parking?(): void;
  ended(end: PingEnd): void;
}

/**
 * A parked request's watch on its collections: the registry's `PingWatcher`, one object holding
 * what the look needs, with no closure over the request.
 */
class WatchedCollections implements PingWatcher {
  constructor(
    private readonly changes: CollectionChanges,
    private readonly device: HeldDevice,
    private readonly collections: WatchedCollection[],
    private readonly inboxId: string | undefined,
    private readonly waiter: HeldWaiter,
  ) {}

  changedFolders(
    emailState?: string,
    createdIn?: readonly string[],
    held?: HeldCollection[],
  ): Promise<string[]> {
    return this.changes.changedFolders(
      this.device,
      this.collections,
      this.inboxId,
      emailState,
      createdIn,
      held,
    );
  }

  ended(end: PingEnd): void {
    this.waiter.ended(end);
  }
}

/** What of a request is needed to gate it again once a held one's standing moved. */
export interface GateRequest {
  /** The device's keys when it asked, if its record is gone by then. */
  record: ProvisionedKey;
  policyKey: string | undefined;
  protocolVersion: string;
}

export function gateRequestOf(context: EasCommandContext): GateRequest {
  const { policyKey, policyId, policyVersion } = context.record;
  return {
    record: { policyKey, policyId, policyVersion },
    policyKey: context.request.policyKey,
    protocolVersion: context.protocolVersion,
  };
}

/** The Inbox of a hierarchy the device holds, whose Sync view a held request checks with. */
export function inboxIdOf(folders: Record<string, HeldFolder>): string | undefined {
  return Object.entries(folders).find(([, folder]) => folder.type === FolderType.Inbox)?.[0];
}

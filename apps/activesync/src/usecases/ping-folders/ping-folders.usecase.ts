import { Inject, Injectable } from '@nestjs/common';
import {
  buildPingResponse,
  child,
  childText,
  children,
  PING_STATUS,
  type PingResponse,
} from '@pushmail/activesync';
import { SpanKind } from '@opentelemetry/api';
import { CONFIG, extractTraceContext, startSpan } from '@pushmail/platform';
import { DeviceTrail } from '@pushmail/edge';
import type { ActiveSyncConfig } from '../../config/activesync-config.js';
import type { PingEnd } from '../../ping/ping-registry.js';
import type {
  EasCommand,
  EasCommandContext,
  EasReply,
  LaterAnswer,
  SentReply,
} from '../../protocol/eas-command.js';
import { DeviceStore } from '../../state/device-store.js';
import { SyncStore } from '../../state/sync-store.js';
import {
  CollectionChanges,
  gateRequestOf,
  inboxIdOf,
  type GateRequest,
  type HeldDevice,
  type HeldWaiter,
} from '../../sync/collection-changes.js';
import { hierarchyOutOfDate } from '../../sync/folder-view.js';

/**
 * Ping (Direct Push): parks the request until one of its folders changes (Status 2 with those
 * folders) or its heartbeat passes (Status 1). The account's changes arrive through
 * `pushmail.mailbox.changed.v1`; a block, policy change or wipe ends the Ping at once and the
 * answer says what the device must do. An empty Ping reuses the last folders and heartbeat.
 */
@Injectable()
export class PingFolders implements EasCommand {
  readonly command = 'Ping';
  readonly readsHierarchy = true;

  constructor(
    @Inject(SyncStore) private readonly store: SyncStore,
    @Inject(DeviceStore) private readonly devices: DeviceStore,
    @Inject(CollectionChanges) private readonly changes: CollectionChanges,
    @Inject(CONFIG) private readonly config: ActiveSyncConfig,
    @Inject(DeviceTrail) private readonly trail: DeviceTrail,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const { accountId, deviceId } = context.device;
    let heartbeat = context.record.pingHeartbeatSeconds;
    let folders = context.record.pingFolders;
    let remembered = true;
    if (context.body) {
      const interval = childText(context.body, 'HeartbeatInterval', 'Ping');
      const list = child(context.body, 'Folders', 'Ping');
      if (interval !== undefined) {
        const seconds = Number(interval);
        if (!Number.isInteger(seconds)) return reply(PING_STATUS.ProtocolError);
        const min = this.config.PING_MIN_HEARTBEAT_SECONDS;
        const max = this.config.PING_MAX_HEARTBEAT_SECONDS;
        if (seconds < min || seconds > max) {
          return reply(PING_STATUS.InvalidHeartbeatInterval, {
            heartbeatInterval: seconds < min ? min : max,
          });
        }
        heartbeat = seconds;
      }
      if (list) {
        const ids = children(list, 'Folder', 'Ping').map((folder) => childText(folder, 'Id', 'Ping'));
        if (ids.some((id) => id === undefined || id.length > 64)) return reply(PING_STATUS.ProtocolError);
        folders = [...new Set(ids as string[])];
        remembered = false;
      }
    }
    if (!heartbeat || !folders || folders.length === 0) return reply(PING_STATUS.MissingParameters);
    if (folders.length > this.config.PING_MAX_FOLDERS) {
      return reply(PING_STATUS.TooManyFolders, { maxFolders: this.config.PING_MAX_FOLDERS });
    }
    // The folders with what the device holds of each (read with the device's record when the
    // controller did): its first look at them needs no second read.
    const hierarchy =
      context.hierarchy !== undefined
        ? context.hierarchy
        : await this.store.hierarchyWithCollections(accountId, deviceId);
    // The device holds the quarantine view and was allowed since (or the reverse): its FolderSync
    // brings the folders it may now see.
    if (!hierarchy || hierarchyOutOfDate(hierarchy, context.standing))
      return reply(PING_STATUS.FolderSyncRequired);
    // An empty Ping watches the last folders the device named that it still holds: one its
    // FolderSync has since removed would otherwise send it back to FolderSync for ever.
    if (remembered) {
      const held = hierarchy.folders;
      folders = folders.filter((id) => id in held);
      if (folders.length === 0) return reply(PING_STATUS.MissingParameters);
    } else if (folders.some((id) => !(id in hierarchy.folders))) {
      return reply(PING_STATUS.FolderSyncRequired);
    }
    // Phones send the same folders and heartbeat with every Ping: the record is written only when they move.
    const { pingFolders: lastFolders, pingHeartbeatSeconds: lastHeartbeat } = context.record;
    const unchanged =
      lastHeartbeat === heartbeat &&
      lastFolders?.length === folders.length &&
      lastFolders.every((id, index) => id === folders[index]);
    if (context.body && !unchanged)
      await this.devices.update(accountId, deviceId, {
        pingFolders: folders,
        pingHeartbeatSeconds: heartbeat,
      });

    const parked = new ParkedPingAnswer(
      this,
      context.answer,
      { accountId, deviceId, address: context.device.address },
      heartbeat,
      folders,
      hierarchy.quarantined,
      gateRequestOf(context),
    );
    // Answered now when a folder has changes already; otherwise parked, and answered by `parked`.
    const pending = await this.changes.parkUntilChanged(
      { device: parked.device, standing: context.standing, connection: context.answer.connection },
      {
        collections: folders.map((collectionId) => ({ collectionId })),
        inboxId: inboxIdOf(hierarchy.folders),
        held: hierarchy.collections,
        heartbeatMs: heartbeat * 1000,
      },
      parked,
    );
    return pending ? changed(pending) : { later: true };
  }

  /** A parked Ping parks: its trail records it. */
  parking(ping: ParkedPingAnswer): void {
    this.trail.record(ping.device.accountId, {
      deviceId: ping.device.deviceId,
      kind: 'ping',
      activesync: { command: 'Ping', heartbeatSeconds: ping.heartbeat },
    });
  }

  /** A parked Ping ended: its answer, recorded in its trail. */
  async answerEnd(ping: ParkedPingAnswer, end: PingEnd): Promise<SentReply> {
    const { heartbeat, folders } = ping;
    const { accountId, deviceId } = ping.device;
    const activesync = { command: 'Ping', heartbeatSeconds: heartbeat };
    const lifetimeMs = Date.now() - ping.parkedAt;
    if (end.reason === 'gone') {
      // The connection closed before the heartbeat or a change answered it.
      this.trail.record(accountId, {
        deviceId,
        kind: 'disconnected',
        detail: `Ping connection closed after ${lifetimeMs} ms of a ${heartbeat} s heartbeat`,
        close: { code: 0, reason: 'Ping', by: 'network', lifetimeMs, pingIntervalMs: heartbeat * 1000 },
        activesync,
      });
    } else {
      this.trail.record(accountId, {
        deviceId,
        kind: 'request',
        request: { methods: ['Ping'], ok: true, durationMs: lifetimeMs },
        activesync: { ...activesync, status: end.reason },
      });
    }
    if (end.reason === 'changed') {
      if (end.traceHeaders) traceAnswer(end.traceHeaders, accountId, deviceId, end.folders.length);
      return changed(end.folders);
    }
    if (end.reason === 'standing') {
      // Still allowed, but what the device may see moved. A quarantine lifted (or set): its
      // hierarchy is no longer the one it may see, and it FolderSyncs (7) before it syncs again.
      const device = { accountId, deviceId };
      const refusal = await this.changes.refusalAfterStandingChange(device, 'Ping', ping.gate);
      if (refusal) return refusal;
      if (this.changes.hierarchyOutOfDate(device, ping.quarantinedView))
        return reply(PING_STATUS.FolderSyncRequired);
      return changed(folders);
    }
    return reply(PING_STATUS.Expired);
  }
}

/**
 * A parked Ping: what its answer needs, and nothing of the request's (its decoded body, the
 * device's record, the hierarchy), held as one object rather than a promise chain, a suspended
 * frame and closures. The registry tells it how the Ping ended and it sends the answer itself.
 */
class ParkedPingAnswer implements HeldWaiter {
  parkedAt = 0;

  constructor(
    private readonly command: PingFolders,
    private readonly answer: LaterAnswer,
    readonly device: HeldDevice,
    readonly heartbeat: number,
    readonly folders: string[],
    /** The device holds the quarantine view of the hierarchy. */
    readonly quarantinedView: boolean,
    readonly gate: GateRequest,
  ) {}

  parking(): void {
    this.parkedAt = Date.now();
    this.command.parking(this);
  }

  ended(end: PingEnd): void {
    void this.send(end);
  }

  private async send(end: PingEnd): Promise<void> {
    let answer: SentReply;
    try {
      answer = await this.command.answerEnd(this, end);
    } catch (error) {
      this.answer.fail(error);
      return;
    }
    this.answer.send(answer);
  }
}

/** The Ping's answer as a span of the trace of the mail that woke it (SMTP accept to the phone). */
function traceAnswer(
  headers: Record<string, string>,
  accountId: string,
  deviceId: string,
  folders: number,
): void {
  startSpan(
    'activesync.ping.answer',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'pushmail.account_id': accountId,
        'pushmail.device_id': deviceId,
        'pushmail.folders_changed': folders,
      },
    },
    extractTraceContext(headers),
  ).end();
}

/** An answer of `status`, with the limit it names (Status 5 and 6). */
function reply(
  status: number,
  limit: Pick<PingResponse, 'heartbeatInterval' | 'maxFolders'> = {},
): SentReply {
  return { body: buildPingResponse({ status, ...limit }) };
}

function changed(folders: string[]): SentReply {
  return { body: buildPingResponse({ status: PING_STATUS.ChangesFound, folders }) };
}

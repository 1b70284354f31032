import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { child, children, childText, el, type WbxmlElement } from '@pushmail/activesync';
import type { DeviceTrail } from '@pushmail/edge';
import { describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../../config/activesync-config.js';
import { FolderType } from '../../folders/folder-types.js';
import type { PingEnd } from '../../ping/ping-registry.js';
import type { EasCommandContext, SentReply } from '../../protocol/eas-command.js';
import type { DeviceStore } from '../../state/device-store.js';
import type { HeldFolder } from '../../state/entities/folder-state.entity.js';
import type { SyncStore } from '../../state/sync-store.js';
import type {
  CollectionChanges,
  GateRequest,
  HeldRequest,
  HeldWaiter,
} from '../../sync/collection-changes.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { TestConnection } from '../../testing/test-connection.js';
import { PingFolders } from './ping-folders.usecase.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const accountId = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';

interface Parked {
  held: HeldRequest;
  watch: { collections: Array<{ collectionId: string }>; inboxId: string | undefined; heartbeatMs: number };
  end: (end: PingEnd) => void;
}

/**
 * A Ping use case over a device holding the Inbox and Sent; `heldQuarantined`: the hierarchy it
 * holds is the quarantine view; `standing.quarantined`: whether the standing now shows it that view
 * (what a Ping ended by its standing finds).
 */
function setUp({ heldQuarantined = false } = {}) {
  const standing = { quarantined: heldQuarantined };
  const updates: unknown[] = [];
  const parked: Parked[] = [];
  const gated: GateRequest[] = [];
  const hierarchy: Record<string, HeldFolder> = {
    inbox: { type: FolderType.Inbox } as HeldFolder,
    sent: { type: FolderType.SentItems } as HeldFolder,
  };
  const changes = {
    parkUntilChanged: (held: HeldRequest, watch: Parked['watch'], waiter: HeldWaiter) => {
      waiter.parking?.();
      parked.push({ held, watch, end: (end) => waiter.ended(end) });
      return Promise.resolve(undefined);
    },
    refusalAfterStandingChange: (_device: unknown, _command: string, gate: GateRequest) => {
      gated.push(gate);
      return Promise.resolve(undefined);
    },
    hierarchyOutOfDate: (_device: unknown, quarantined: boolean) => quarantined !== standing.quarantined,
  };
  const command = new PingFolders(
    {
      hierarchyWithCollections: () =>
        Promise.resolve({ folders: hierarchy, quarantined: heldQuarantined, collections: [] }),
    } as unknown as SyncStore,
    {
      update: (_accountId: string, _deviceId: string, changes: unknown) => {
        updates.push(changes);
        return Promise.resolve();
      },
    } as unknown as DeviceStore,
    changes as unknown as CollectionChanges,
    {
      PING_MIN_HEARTBEAT_SECONDS: 60,
      PING_MAX_HEARTBEAT_SECONDS: 3540,
      PING_MAX_FOLDERS: 300,
    } as ActiveSyncConfig,
    { record: () => undefined } as unknown as DeviceTrail,
  );
  return { command, parked, gated, updates, standing };
}

const quarantinedStanding = () => ({ ...allowedStanding(), access: 'quarantined' as const });

/** A Ping's context as the controller builds it, with a decoded body and the device's full record. */
function pingContext(folders: string[], connection = new TestConnection()): EasCommandContext {
  return {
    request: { cmd: 'Ping', policyKey: '1234', protocolVersion: '14.1' },
    protocolVersion: '14.1',
    device: { accountId, deviceId: 'phone1', address: 'alice@example.com' },
    description: { deviceId: 'phone1', deviceType: 'Phone', model: null, os: null, userAgent: null },
    record: {
      accountId,
      deviceId: 'phone1',
      policyKey: 1234,
      policyId: 'p1',
      policyVersion: 2,
      pingFolders: null,
      pingHeartbeatSeconds: null,
      userAgent: 'x'.repeat(512),
    },
    standing: allowedStanding(),
    body: el(
      'Ping',
      'Ping',
      el('Ping', 'HeartbeatInterval', '480'),
      el('Ping', 'Folders', ...folders.map((id) => el('Ping', 'Folder', el('Ping', 'Id', id)))),
    ),
    answer: { connection },
    log: undefined,
  } as unknown as EasCommandContext;
}

/**
 * Runs the Ping as the controller does: its answer, sent now, or through `context.answer` once it
 * is done waiting.
 */
function answerOf(command: PingFolders, context: EasCommandContext): Promise<SentReply> {
  return new Promise((resolve, reject) => {
    context.answer = { connection: context.answer.connection, send: resolve, fail: reject };
    command.execute(context).then((reply) => {
      if (!('later' in reply)) resolve(reply);
    }, reject);
  });
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function statusOf(reply: SentReply): string | undefined {
  return 'body' in reply ? childText(reply.body, 'Status', 'Ping') : undefined;
}

describe(PingFolders.name, () => {
  it('writes the folders and heartbeat a Ping names to the device record only when they differ from the last', async () => {
    const { command, parked, updates } = setUp();
    const connection = new TestConnection();
    const again = pingContext(['inbox'], connection);
    again.record.pingFolders = ['inbox'];
    again.record.pingHeartbeatSeconds = 480;
    void answerOf(command, again);
    await nextTurn();
    expect(parked).toHaveLength(1);
    expect(updates).toEqual([]);

    const moved = pingContext(['inbox', 'sent'], connection);
    moved.record.pingFolders = ['inbox'];
    moved.record.pingHeartbeatSeconds = 480;
    void answerOf(command, moved);
    await nextTurn();
    expect(parked).toHaveLength(2);
    expect(updates).toEqual([{ pingFolders: ['inbox', 'sent'], pingHeartbeatSeconds: 480 }]);
  });

  it('keeps neither the request context, its decoded body nor the device record while it is parked', async () => {
    const { command, parked } = setUp();
    const connection = new TestConnection();
    const refs: { context?: WeakRef<object>; body?: WeakRef<WbxmlElement>; record?: WeakRef<object> } = {};
    const answer = (() => {
      const context = pingContext(['inbox'], connection);
      refs.context = new WeakRef(context);
      refs.body = new WeakRef(context.body as WbxmlElement);
      refs.record = new WeakRef(context.record);
      return answerOf(command, context);
    })();
    await nextTurn();
    expect(parked).toHaveLength(1);

    collectGarbage();
    await nextTurn();
    collectGarbage();

    expect(refs.context?.deref()).toBeUndefined();
    expect(refs.body?.deref()).toBeUndefined();
    expect(refs.record?.deref()).toBeUndefined();
    // What it waits with: the device, its folders, the Inbox to check them with, the heartbeat.
    expect(parked[0]?.held.device).toEqual({ accountId, deviceId: 'phone1', address: 'alice@example.com' });
    expect(parked[0]?.held.connection).toBe(connection);
    expect(parked[0]?.watch).toMatchObject({
      collections: [{ collectionId: 'inbox' }],
      inboxId: 'inbox',
      heartbeatMs: 480_000,
    });

    parked[0]?.end({ reason: 'heartbeat' });
    expect(statusOf(await answer)).toBe('1');
  });

  it('gates a Ping its standing ended with the keys the request carried, and answers its folders changed when still allowed', async () => {
    const { command, parked, gated } = setUp();
    const answer = answerOf(command, pingContext(['inbox', 'sent']));
    await nextTurn();
    parked[0]?.end({ reason: 'standing' });
    const reply = await answer;

    expect(gated).toEqual([
      {
        record: { policyKey: 1234, policyId: 'p1', policyVersion: 2 },
        policyKey: '1234',
        protocolVersion: '14.1',
      },
    ]);
    expect(statusOf(reply)).toBe('2');
    const folders = 'body' in reply ? child(reply.body, 'Folders', 'Ping') : undefined;
    expect(folders && children(folders, 'Folder', 'Ping').map((folder) => folder.children[0])).toEqual([
      'inbox',
      'sent',
    ]);
  });

  it('answers Status 7 without parking when the device holds the quarantine view and has been allowed since', async () => {
    const { command, parked } = setUp({ heldQuarantined: true });
    const reply = await answerOf(command, pingContext(['inbox']));

    expect(statusOf(reply)).toBe('7');
    expect(parked).toEqual([]);
    // Still quarantined, the same hierarchy is the one it may see: it parks.
    const waiting = pingContext(['inbox']);
    waiting.standing = quarantinedStanding();
    void answerOf(command, waiting);
    await nextTurn();
    expect(parked).toHaveLength(1);
  });

  it('answers Status 7 (FolderSync) to a Ping parked in quarantine that the release ends, so the device learns its folders', async () => {
    const { command, parked, standing } = setUp({ heldQuarantined: true });
    const context = pingContext(['inbox']);
    context.standing = quarantinedStanding();
    const answer = answerOf(command, context);
    await nextTurn();
    expect(parked).toHaveLength(1);

    standing.quarantined = false;
    parked[0]?.end({ reason: 'standing' });
    expect(statusOf(await answer)).toBe('7');
  });

  it('watches, on an empty Ping, only the remembered folders the device still holds; none of them is Status 3', async () => {
    const { command, parked } = setUp();
    const empty = pingContext([]);
    empty.body = undefined;
    empty.record.pingFolders = ['inbox', 'projects'];
    empty.record.pingHeartbeatSeconds = 480;
    void answerOf(command, empty);
    await nextTurn();
    expect(parked[0]?.watch.collections).toEqual([{ collectionId: 'inbox' }]);

    const gone = pingContext([]);
    gone.body = undefined;
    gone.record.pingFolders = ['projects'];
    gone.record.pingHeartbeatSeconds = 480;
    expect(statusOf(await answerOf(command, gone))).toBe('3');
    // Named in the request, a folder the device does not hold still sends it to FolderSync.
    expect(statusOf(await answerOf(command, pingContext(['projects'])))).toBe('7');
  });

  it('answers more folders than PING_MAX_FOLDERS Status 6 with the maximum, without parking', async () => {
    const { command, parked } = setUp();
    const folders = Array.from({ length: 301 }, (_, index) => `f${index}`);
    const reply = await answerOf(command, pingContext(folders));

    expect(statusOf(reply)).toBe('6');
    expect('body' in reply ? childText(reply.body, 'MaxFolders', 'Ping') : undefined).toBe('300');
    expect(parked).toEqual([]);
  });
});

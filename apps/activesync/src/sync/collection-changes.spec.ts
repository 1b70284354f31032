import { OnDemandSubscriptions } from '@pushmail/platform';
import { pino } from 'pino';
import { randomUUID } from 'node:crypto';
import type { MailboxChangedV1 } from '@pushmail/contracts';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { EmailChanges, FolderContents, MailStore } from '../mailbox/mail-store.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { AnnouncedEmailStates } from '../ping/announced-email-states.js';
import { PingRegistry } from '../ping/ping-registry.js';
import type { DeviceStanding, DeviceViews } from '../registry/device-views.js';
import type { DeviceStore } from '../state/device-store.js';
import type { HeldCollection, SyncStore } from '../state/sync-store.js';
import { allowedStanding } from '../testing/device-standing.js';
import { TestConnection } from '../testing/test-connection.js';
import { CollectionChanges, type WatchEnd } from './collection-changes.js';
import type { ItemChanges } from './item-diff.js';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { FolderView, type FolderViewRequest, QUARANTINE_NOTICE_ID } from './folder-view.js';

type Asked = 'emailState' | 'changedContents' | 'contentsFromChanges' | 'contents';
const askedNothing: Record<Asked, number> = {
  emailState: 0,
  changedContents: 0,
  contentsFromChanges: 0,
  contents: 0,
};

/**
 * A gateway whose mailbox is at Email state `current` with `inbox` in the folder; it counts what it
 * was asked. With `changesReadable` false, the view cannot tell the changes (a sync window);
 * with `windowHeld` false, the device asks for a wider window than it was answered within.
 */
function setUp(current: string, inbox: string[], changesReadable = true, windowHeld = true) {
  const asked: Record<Asked, number> = { ...askedNothing };
  const folder = (): FolderContents => ({
    state: current,
    items: new Map(inbox.map((id) => [id, { read: false, flagged: false }])),
  });
  const mail = {
    emailState: () => {
      asked.emailState += 1;
      return Promise.resolve(current);
    },
  } as unknown as MailStore;
  const view = {
    holdsWindow: () => windowHeld,
    changedContents: (): Promise<FolderContents | undefined> => {
      asked.changedContents += 1;
      return Promise.resolve(changesReadable ? folder() : undefined);
    },
    contentsFromChanges: (): FolderContents | undefined => {
      asked.contentsFromChanges += 1;
      return changesReadable ? folder() : undefined;
    },
    contents: (): Promise<FolderContents> => {
      asked.contents += 1;
      return Promise.resolve(folder());
    },
  } as unknown as FolderView;
  const changes = new CollectionChanges(
    mail,
    view,
    {} as SyncStore,
    {} as PingRegistry,
    {} as DeviceViews,
    {} as DeviceStore,
    new AnnouncedEmailStates(),
    new OnDemandSubscriptions(pino({ level: 'silent' })),
  );
  return { changes, asked, mail, view };
}

const request: FolderViewRequest = {
  accountId: 'acc',
  address: 'alice@example.com',
  standing: allowedStanding(),
  collectionId: 'inbox',
  inboxId: 'inbox',
};
const held = { emailState: '7', items: { m1: { read: false, flagged: false } }, windowDays: 0 };

const read: EmailChanges = { sinceState: '7', responses: [] };
const nothingNew: ItemChanges = { added: [], changed: [], deleted: [] };
/** What the device holding m1 is told of the default folder (m2 and m1). */
const newM2: ItemChanges = { added: ['m2'], changed: [], deleted: [] };

/**
 * Each case: the mailbox (Email state `current`, default 8, and the folder, default m2 and m1), the
 * call (`force`: the device's own changes just moved the state; `announced`: the Email state a
 * change announced; `changes`: what a Sync read with its folders), what is found (the state of the
 * contents read, if any) and how often mailbox and the view were asked each thing (none: not asked).
 */
const cases: Array<{
  does: string;
  current?: string;
  inbox?: string[];
  changesReadable?: boolean;
  windowHeld?: boolean;
  force?: boolean;
  announced?: string;
  changes?: EmailChanges;
  found: ItemChanges;
  contentsAt?: string;
  asks: Partial<Record<Asked, number>>;
}> = [
  {
    does: 'asks mailbox for the Email state when no change announced it, and stops there when it is unchanged',
    current: '7',
    inbox: ['m1'],
    found: nothingNew,
    asks: { emailState: 1 },
  },
  {
    does: 'looks for what changed though the Email state is unchanged when the window is wider than the one held',
    current: '7',
    inbox: ['m2', 'm1'],
    windowHeld: false,
    found: { added: ['m2'], changed: [], deleted: [] },
    contentsAt: '7',
    asks: { emailState: 1, changedContents: 1 },
  },
  {
    does: 'reads what changed since the held state, not the whole folder, when a change announced a new one',
    announced: '8',
    found: newM2,
    contentsAt: '8',
    asks: { changedContents: 1 },
  },
  {
    does: 'lists the folder when the changes cannot stand for a listing',
    changesReadable: false,
    announced: '8',
    found: newM2,
    contentsAt: '8',
    asks: { changedContents: 1, contents: 1 },
  },
  {
    does: 'lists the folder, without reading changes, for a device whose own changes just moved the state',
    inbox: ['m2'],
    force: true,
    found: { added: ['m2'], changed: [], deleted: ['m1'] },
    contentsAt: '8',
    asks: { contents: 1 },
  },
  {
    does: 'finds nothing, asking mailbox nothing, when a change announced the Email state the device was answered at',
    announced: '7',
    found: nothingNew,
    asks: {},
  },
  {
    does: 'uses the changes a Sync read with its folders for a collection held at the state they were read since',
    announced: '8',
    changes: read,
    found: newM2,
    contentsAt: '8',
    asks: { contentsFromChanges: 1 },
  },
  {
    does: 'reads the changes again for a collection held at another state than the Sync read them since',
    announced: '8',
    changes: { ...read, sinceState: '6' },
    found: newM2,
    contentsAt: '8',
    asks: { changedContents: 1 },
  },
  {
    does: "lists the folder, ignoring the changes a Sync read, when the device's own changes moved the state since",
    force: true,
    announced: '8',
    changes: read,
    found: newM2,
    contentsAt: '8',
    asks: { contents: 1 },
  },
];

describe(CollectionChanges.name, () => {
  it.each(cases)('$does', async (each) => {
    const { changes, asked } = setUp(
      each.current ?? '8',
      each.inbox ?? ['m2', 'm1'],
      each.changesReadable,
      each.windowHeld,
    );
    const found = await changes.pending(request, held, each.force, each.announced, each.changes);
    expect(found.changes).toEqual(each.found);
    expect(found.contents?.state).toBe(each.contentsAt);
    expect(asked).toEqual({ ...askedNothing, ...each.asks });
  });
});

/** A gateway whose parked requests wait in a real registry; it counts what mailbox and the store were asked. */
function parking(
  current: string,
  standingOf: () => DeviceStanding = () => allowedStanding(),
  /** Runs while the store reads what the device holds (during a look), before it answers. */
  whileReading: () => void = () => undefined,
) {
  const { mail, view, asked } = setUp(current, ['m2', 'm1']);
  const pings = new PingRegistry(new ActiveSyncMetrics(new Registry()));
  const announced = new AnnouncedEmailStates();
  const held: HeldCollection[] = [{ collectionId: 'inbox', syncKey: 'k1', ...structuredClone(heldState) }];
  const reads = { heldCollections: 0 };
  const store = {
    heldCollections: async () => {
      reads.heldCollections += 1;
      await Promise.resolve();
      whileReading();
      return held;
    },
  } as unknown as SyncStore;
  const changes = new CollectionChanges(
    mail,
    view,
    store,
    pings,
    { standingOf } as unknown as DeviceViews,
    {} as DeviceStore,
    announced,
    new OnDemandSubscriptions(pino({ level: 'silent' })),
  );
  // How the request ends: `pending` when it did not park.
  const park = (given?: HeldCollection[], onPark?: () => void) =>
    new Promise<WatchEnd>((resolve, reject) => {
      changes
        .parkUntilChanged(
          {
            device: { accountId: 'acc', deviceId: 'phone', address: 'alice@example.com' },
            standing: allowedStanding(),
            connection: new TestConnection(),
          },
          {
            collections: [{ collectionId: 'inbox' }],
            inboxId: 'inbox',
            heartbeatMs: 60_000,
            held: given,
          },
          { ended: resolve, ...(onPark ? { parking: onPark } : {}) },
        )
        .then((folders) => folders && resolve({ reason: 'pending', folders }), reject);
    });
  return { pings, park, asked, reads, held, announced };
}

let offset = 0;
/** The account's change as this replica consumes it: the announcement, then the Pings told. */
function consume(
  { pings, announced }: { pings: PingRegistry; announced: AnnouncedEmailStates },
  state: string,
  changed: MailboxChangedV1['changed'] = { Email: state },
) {
  const event = {
    eventId: randomUUID(),
    accountId: 'acc',
    state,
    changed,
    cause: 'delivery',
    createdEmailIds: [],
    occurredAt: new Date().toISOString(),
  } as MailboxChangedV1;
  announced.noteConsumed([{ event, topic: 'changes', partition: 0, offset: String(offset++), headers: {} }]);
  pings.mailChanged('acc', changed.Email === undefined ? {} : { emailState: changed.Email });
}

const heldState = { emailState: '7', items: { m1: { read: false, flagged: false } }, windowDays: 0 };

describe('CollectionChanges.parkUntilChanged', () => {
  it('takes its first look from what the request read of the device, asking the store nothing more', async () => {
    const { pings, park, asked, reads, held } = parking('7');
    const end = park(held);
    await expect.poll(() => pings.size).toBe(1);
    expect(asked).toEqual({ ...askedNothing, emailState: 1 });
    expect(reads.heldCollections).toBe(0);
    pings.onModuleDestroy();
    await expect(end).resolves.toEqual({ reason: 'shutdown' });
  });

  it('reads what the device holds when the request did not, and again on every later look', async () => {
    const { pings, park, asked, reads } = parking('7');
    void park();
    await expect.poll(() => pings.size).toBe(1);
    expect(reads.heldCollections).toBe(1);
    pings.mailChanged('acc', { emailState: '8' });
    await expect.poll(() => pings.size).toBe(0);
    expect(reads.heldCollections).toBe(2);
    expect(asked).toEqual({ ...askedNothing, emailState: 1, changedContents: 1 });
  });

  it('takes the state last announced for the account, the one the device holds, for mailbox’s answer, and still wakes at the next change', async () => {
    const parked = parking('7');
    consume(parked, '7');
    const end = parked.park(parked.held);
    await expect.poll(() => parked.pings.size).toBe(1);
    expect(parked.asked).toEqual(askedNothing);
    // A change that left the Email state alone: the device still holds the latest, mailbox is not asked.
    consume(parked, '8', { Mailbox: '8' });
    await expect.poll(() => parked.reads.heldCollections).toBe(1);
    expect(parked.pings.size).toBe(1);
    expect(parked.asked).toEqual(askedNothing);
    consume(parked, '9');
    await expect(end).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(parked.asked).toEqual({ ...askedNothing, changedContents: 1 });
  });

  it('asks mailbox when the state announced is not the one the device holds: the device may hold a newer one', async () => {
    const parked = parking('7');
    consume(parked, '6');
    void parked.park(parked.held);
    await expect.poll(() => parked.pings.size).toBe(1);
    expect(parked.asked).toEqual({ ...askedNothing, emailState: 1 });
    parked.pings.onModuleDestroy();
  });

  it('does not park on a state announced before a change that arrived during its first look', async () => {
    // The change is stored and announced while the look reads what the device holds.
    const parked = parking('8', undefined, () => consume(parked, '8'));
    consume(parked, '7');
    await expect(parked.park()).resolves.toEqual({ reason: 'pending', folders: ['inbox'] });
    expect(parked.asked).toEqual({ ...askedNothing, emailState: 1, changedContents: 1 });
  });

  it('looks again once parked when a change was announced after its first look took the announced state', async () => {
    const parked = parking('8');
    consume(parked, '7');
    // The change is announced between the first look (nothing new) and the park.
    const end = parked.park(parked.held, () => consume(parked, '8'));
    await expect(end).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(parked.asked).toEqual({ ...askedNothing, changedContents: 1 });
  });

  // The first look's state is all mailbox is asked when the wake takes the folder from the change.
  it.each([
    {
      does: 'ends with the folder a delivery filed mail in without asking mailbox what changed',
      createdIn: 'inbox',
      asks: {},
    },
    {
      does: 'asks mailbox when the delivery filed its mail in a folder the Ping does not watch',
      createdIn: 'junk',
      asks: { changedContents: 1 },
    },
  ])('$does', async ({ createdIn, asks }) => {
    const parked = parking('7');
    const end = parked.park(parked.held);
    await expect.poll(() => parked.pings.size).toBe(1);
    parked.pings.mailChanged('acc', { emailState: '8', createdIn: [createdIn] });
    await expect(end).resolves.toEqual({ reason: 'changed', folders: ['inbox'] });
    expect(parked.asked).toEqual({ ...askedNothing, emailState: 1, ...asks });
  });

  it('does not wake for a delivery the device already holds (the state it was answered at)', async () => {
    const parked = parking('7');
    const end = parked.park(parked.held);
    await expect.poll(() => parked.pings.size).toBe(1);
    parked.pings.mailChanged('acc', { emailState: '7', createdIn: ['inbox'] });
    await expect.poll(() => parked.reads.heldCollections).toBe(1);
    expect(parked.pings.size).toBe(1);
    parked.pings.onModuleDestroy();
    await expect(end).resolves.toEqual({ reason: 'shutdown' });
    expect(parked.asked).toEqual({ ...askedNothing, emailState: 1 });
  });

  it('ends at once with the standing when the device was blocked during its first look, before it parked', async () => {
    let standing = allowedStanding();
    const { pings, park } = parking('7', () => standing);
    let ended: unknown;
    void park().then((end) => (ended = end));
    // Its first look is under way: the block is announced while no park of the device is there to end.
    standing = { ...allowedStanding(), access: 'blocked' };
    pings.standingChanged('acc', () => 'blocked');
    await expect.poll(() => ended).toEqual({ reason: 'standing' });
    expect(pings.size).toBe(0);
  });
});

describe('CollectionChanges.pending in quarantine', () => {
  const changes = new CollectionChanges(
    {} as MailStore,
    new FolderView(
      {
        contents: () => Promise.reject(new Error('a quarantined view reads no mail')),
      } as unknown as MailStore,
      { SYNC_MAX_ITEMS_PER_FOLDER: 100 } as ActiveSyncConfig,
    ),
    {} as SyncStore,
    {} as PingRegistry,
    {} as DeviceViews,
    {} as DeviceStore,
    new AnnouncedEmailStates(),
    new OnDemandSubscriptions(pino({ level: 'silent' })),
  );
  const quarantined = { ...request, standing: { ...allowedStanding(), access: 'quarantined' as const } };

  it('tells a device that marked the notice read and flagged nothing, and one that deleted it the notice again', async () => {
    const marked = {
      emailState: null,
      items: { [QUARANTINE_NOTICE_ID]: { read: true, flagged: true } },
      windowDays: null,
    };
    expect((await changes.pending(quarantined, marked)).changes).toEqual(nothingNew);
    expect(
      (await changes.pending(quarantined, { emailState: null, items: {}, windowDays: null })).changes,
    ).toEqual({
      added: [QUARANTINE_NOTICE_ID],
      changed: [],
      deleted: [],
    });
  });
});

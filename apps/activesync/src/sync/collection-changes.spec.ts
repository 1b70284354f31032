import { describe, expect, it } from 'vitest';
import type { EmailChanges, FolderContents, MailStore } from '../mailbox/mail-store.js';
import type { PingRegistry } from '../ping/ping-registry.js';
import type { DeviceViews } from '../registry/device-views.js';
import type { DeviceStore } from '../state/device-store.js';
import type { SyncStore } from '../state/sync-store.js';
import { allowedStanding } from '../testing/device-standing.js';
import { CollectionChanges } from './collection-changes.js';
import type { ItemChanges } from './item-diff.js';
import type { FolderView, FolderViewRequest } from './folder-view.js';

type Asked = 'emailState' | 'changedContents' | 'contentsFromChanges' | 'contents';
const askedNothing: Record<Asked, number> = {
  emailState: 0,
  changedContents: 0,
  contentsFromChanges: 0,
  contents: 0,
};

/**
 * A gateway whose mailbox is at Email state `current` with `inbox` in the folder; it counts what it
 * was asked. With `changesReadable` false, the view cannot tell the changes (a sync window).
 */
function setUp(current: string, inbox: string[], changesReadable = true) {
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
  );
  return { changes, asked };
}

const request: FolderViewRequest = {
  accountId: 'acc',
  address: 'alice@example.com',
  standing: allowedStanding(),
  collectionId: 'inbox',
  inboxId: 'inbox',
};
const held = { emailState: '7', items: { m1: { read: false, flagged: false } } };

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
    const { changes, asked } = setUp(each.current ?? '8', each.inbox ?? ['m2', 'm1'], each.changesReadable);
    const found = await changes.pending(request, held, each.force, each.announced, each.changes);
    expect(found.changes).toEqual(each.found);
    expect(found.contents?.state).toBe(each.contentsAt);
    expect(asked).toEqual({ ...askedNothing, ...each.asks });
  });
});

import { describe, expect, it } from 'vitest';
import type { FolderContents, MailStore } from '../mailbox/mail-store.js';
import type { PingRegistry } from '../ping/ping-registry.js';
import type { DeviceViews } from '../registry/device-views.js';
import type { DeviceStore } from '../state/device-store.js';
import type { SyncStore } from '../state/sync-store.js';
import { allowedStanding } from '../testing/device-standing.js';
import { CollectionChanges } from './collection-changes.js';
import type { FolderView, FolderViewRequest } from './folder-view.js';

/**
 * A gateway whose mailbox is at Email state `current` with `inbox` in the folder; it counts what it
 * was asked. With `changesReadable` false, the view cannot tell the changes (a sync window).
 */
function setUp(current: string, inbox: string[], changesReadable = true) {
  const asked = { emailState: 0, changedContents: 0, contentsFromChanges: 0, contents: 0 };
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

describe(CollectionChanges.name, () => {
  it('asks mailbox for the Email state when no change announced it, and stops there when it is unchanged', async () => {
    const { changes, asked } = setUp('7', ['m1']);
    const found = await changes.pending(request, held);
    expect(found.changes).toEqual({ added: [], changed: [], deleted: [] });
    expect(asked).toEqual({ emailState: 1, changedContents: 0, contentsFromChanges: 0, contents: 0 });
  });

  it('reads what changed since the held state, not the whole folder, when a change announced a new one', async () => {
    const { changes, asked } = setUp('8', ['m2', 'm1']);
    const found = await changes.pending(request, held, false, '8');
    expect(found.changes.added).toEqual(['m2']);
    expect(found.contents?.state).toBe('8');
    expect(asked).toEqual({ emailState: 0, changedContents: 1, contentsFromChanges: 0, contents: 0 });
  });

  it('lists the folder when the changes cannot stand for a listing', async () => {
    const { changes, asked } = setUp('8', ['m2', 'm1'], false);
    const found = await changes.pending(request, held, false, '8');
    expect(found.changes.added).toEqual(['m2']);
    expect(asked).toEqual({ emailState: 0, changedContents: 1, contentsFromChanges: 0, contents: 1 });
  });

  it('lists the folder, without reading changes, for a device whose own changes just moved the state', async () => {
    const { changes, asked } = setUp('8', ['m2']);
    const found = await changes.pending(request, held, true);
    expect(found.changes).toEqual({ added: ['m2'], changed: [], deleted: ['m1'] });
    expect(asked).toEqual({ emailState: 0, changedContents: 0, contentsFromChanges: 0, contents: 1 });
  });

  it('finds nothing, asking mailbox nothing, when a change announced the Email state the device was answered at', async () => {
    const { changes, asked } = setUp('8', ['m2', 'm1']);
    const found = await changes.pending(request, held, false, '7');
    expect(found.changes).toEqual({ added: [], changed: [], deleted: [] });
    expect(asked).toEqual({ emailState: 0, changedContents: 0, contentsFromChanges: 0, contents: 0 });
  });

  it('uses the changes a Sync read with its folders only for a collection held at the state they were read since', async () => {
    const read = { sinceState: '7', responses: [] };
    const atThatState = setUp('8', ['m2', 'm1']);
    const found = await atThatState.changes.pending(request, held, false, '8', read);
    expect(found.changes.added).toEqual(['m2']);
    expect(atThatState.asked).toEqual({
      emailState: 0,
      changedContents: 0,
      contentsFromChanges: 1,
      contents: 0,
    });

    const elsewhere = setUp('8', ['m2', 'm1']);
    await elsewhere.changes.pending(request, held, false, '8', { ...read, sinceState: '6' });
    expect(elsewhere.asked).toEqual({
      emailState: 0,
      changedContents: 1,
      contentsFromChanges: 0,
      contents: 0,
    });

    // The device's own changes moved the state since: the folder is listed, the changes ignored.
    const moved = setUp('8', ['m2', 'm1']);
    await moved.changes.pending(request, held, true, '8', read);
    expect(moved.asked).toEqual({ emailState: 0, changedContents: 0, contentsFromChanges: 0, contents: 1 });
  });
});

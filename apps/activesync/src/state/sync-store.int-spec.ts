import { randomUUID } from 'node:crypto';
import { el } from '@pushmail/activesync';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayPerSuite } from '../testing/gateway-harness.js';
import { keptRequest, LastSyncRequests } from '../usecases/hold-sync/last-sync-requests.js';
import { SyncStore } from './sync-store.js';

describe(SyncStore.name, () => {
  const gateway = gatewayPerSuite('sync-store');
  let store: SyncStore;
  let requests: LastSyncRequests;

  beforeAll(async () => {
    store = gateway.app!.get(SyncStore);
    requests = gateway.app!.get(LastSyncRequests);
  });

  const folders = {
    inbox: { parentId: '0', name: 'Inbox', type: 2 },
    sent: { parentId: '0', name: 'Sent', type: 5 },
  };
  const unread = { read: false, flagged: false };
  /** The state a FolderSync to `syncKey` stores, its answer kept empty. */
  const folderState = (syncKey: string, quarantined: boolean) => ({
    syncKey,
    folders,
    quarantined,
    response: Buffer.alloc(0),
  });
  /** The account's phone holds the whole hierarchy (key f1) and its Inbox at key {k}1. */
  const holdInbox = async (accountId: string) => {
    await store.saveFolderState(accountId, 'phone', '0', folderState('f1', false));
    await store.resetSyncState(accountId, 'phone', 'inbox', '{k}1');
  };
  type AdvanceArgs = Parameters<SyncStore['advanceSyncState']>;
  /** Moves the phone's Inbox from `fromKey` to `next`, told what the phone held when `held` is given. */
  const advanceInbox = (accountId: string, fromKey: string, next: AdvanceArgs[4], held?: AdvanceArgs[5]) =>
    store.advanceSyncState(accountId, 'phone', 'inbox', fromKey, next, held);

  it('keeps the Sync request in the statement that reads the hierarchy with the state, hierarchy or none', async () => {
    const accountId = randomUUID();
    const syncOf = (key: string) =>
      el(
        'AirSync',
        'Sync',
        el('AirSync', 'Collections', el('AirSync', 'Collection', el('AirSync', 'SyncKey', key))),
      );
    // No hierarchy yet: nothing to read, and the request is kept all the same.
    expect(
      await store.hierarchyWithState(accountId, 'phone', 'inbox', keptRequest(syncOf('a'))),
    ).toBeUndefined();
    expect(await requests.find(accountId, 'phone')).toEqual(syncOf('a'));

    await holdInbox(accountId);
    const read = await store.hierarchyWithState(accountId, 'phone', 'inbox', keptRequest(syncOf('b')));
    expect(read).toEqual(await store.hierarchyWithState(accountId, 'phone', 'inbox'));
    expect(read?.collection?.syncKey).toBe('{k}1');
    expect(await requests.find(accountId, 'phone')).toEqual(syncOf('b'));
  });

  it('reads the hierarchy with the collections, or with one collection, as the repository reads them', async () => {
    const accountId = randomUUID();
    expect(await store.hierarchyWithCollections(accountId, 'phone')).toBeUndefined();
    expect(await store.hierarchyWithState(accountId, 'phone', 'inbox')).toBeUndefined();

    await store.saveFolderState(accountId, 'phone', '0', folderState('f1', true));
    expect(await store.hierarchyWithCollections(accountId, 'phone')).toEqual({
      folders,
      quarantined: true,
      collections: [],
    });
    expect(await store.hierarchyWithState(accountId, 'phone', 'inbox')).toEqual({
      quarantined: true,
      folderIds: new Set(['inbox', 'sent']),
      collection: null,
    });
    // The next FolderSync of the device, allowed meanwhile, holds the whole hierarchy.
    expect(await store.saveFolderState(accountId, 'phone', 'f1', folderState('f2', false))).toBe(true);
    expect(await store.hierarchyWithState(accountId, 'phone', 'inbox')).toEqual({
      quarantined: false,
      folderIds: new Set(['inbox', 'sent']),
      collection: null,
    });

    await store.resetSyncState(accountId, 'phone', 'inbox', '{k}1');
    await store.resetSyncState(accountId, 'phone', 'sent', '{s}1');
    const answer = Buffer.from([3, 1, 106, 0, 0x45, 1]);
    expect(
      await advanceInbox(accountId, '{k}1', {
        syncKey: '{k}2',
        emailState: '17',
        items: { m1: unread, m2: { read: true, flagged: true, receivedAt: '2026-12-01T10:00:00Z' } },
        windowDays: 7,
        response: answer,
        quarantined: false,
      }),
    ).toBe(true);

    const inbox = await store.syncState(accountId, 'phone', 'inbox');
    expect(inbox).toMatchObject({
      syncKey: '{k}2',
      emailState: '17',
      items: { m1: unread, m2: { read: true, flagged: true, receivedAt: '2026-12-01T10:00:00Z' } },
      windowDays: 7,
      previousKey: '{k}1',
    });
    expect(inbox!.previousResponse).toEqual(answer);
    const { collection } = (await store.hierarchyWithState(accountId, 'phone', 'inbox'))!;
    expect(collection).toEqual({
      syncKey: inbox!.syncKey,
      emailState: inbox!.emailState,
      items: inbox!.items,
      windowDays: 7,
      previousKey: inbox!.previousKey,
      previousResponse: inbox!.previousResponse,
      previousQuarantined: false,
    });
    // The answer kept for a retry comes only with the key it was kept for, with the request kept or not.
    for (const keep of [undefined, keptRequest(el('AirSync', 'Sync'))]) {
      const retry = await store.hierarchyWithState(accountId, 'phone', 'inbox', keep, '{k}1');
      expect(retry?.collection).toEqual(collection);
      const next = await store.hierarchyWithState(accountId, 'phone', 'inbox', keep, '{k}2');
      expect(next?.collection).toEqual({ ...collection, previousResponse: null });
    }

    const held = [
      { collectionId: 'inbox', syncKey: '{k}2', emailState: '17', items: inbox!.items, windowDays: 7 },
      { collectionId: 'sent', syncKey: '{s}1', emailState: null, items: {}, windowDays: null },
    ];
    const byCollection = (list: Array<{ collectionId: string }>) =>
      [...list].sort((a, b) => a.collectionId.localeCompare(b.collectionId));
    const read = (await store.hierarchyWithCollections(accountId, 'phone'))!;
    expect(read.folders).toEqual(folders);
    expect(read.quarantined).toBe(false);
    expect(byCollection(read.collections)).toEqual(held);
    expect(byCollection(await store.heldCollections(accountId, 'phone'))).toEqual(held);
    // Another device of the account holds nothing of it.
    expect(await store.heldCollections(accountId, 'tablet')).toEqual([]);
  });

  it('moves a collection only from the key it holds', async () => {
    const accountId = randomUUID();
    await holdInbox(accountId);
    const next = {
      syncKey: '{k}2',
      emailState: '3',
      items: { m1: unread },
      windowDays: 0,
      response: Buffer.from([1]),
      quarantined: false,
    };
    expect(await advanceInbox(accountId, '{k}1', next)).toBe(true);
    expect(await advanceInbox(accountId, '{k}1', { ...next, syncKey: '{k}9' })).toBe(false);
    expect(await store.advanceSyncState(accountId, 'tablet', 'inbox', '{k}2', next)).toBe(false);
    expect((await store.syncState(accountId, 'phone', 'inbox'))?.syncKey).toBe('{k}2');
  });

  it('writes only what changed in what the device holds when told what it held, to the same result', async () => {
    const accountId = randomUUID();
    await holdInbox(accountId);
    const read = { read: true, flagged: false };
    const first = { m1: unread, m2: unread, m3: read };
    const answer = { response: Buffer.from([1]), quarantined: false, windowDays: 3 };
    expect(
      await advanceInbox(accountId, '{k}1', {
        syncKey: '{k}2',
        emailState: '3',
        items: first,
        ...answer,
      }),
    ).toBe(true);
    // m1 read, m2 gone, m3 as it was but with its receivedAt now kept, m4 new.
    const second = { m4: unread, m1: read, m3: { ...read, receivedAt: '2026-12-06T08:30:00Z' } };
    expect(
      await advanceInbox(
        accountId,
        '{k}2',
        { syncKey: '{k}3', emailState: '4', items: second, ...answer },
        first,
      ),
    ).toBe(true);
    expect(await store.syncState(accountId, 'phone', 'inbox')).toMatchObject({
      syncKey: '{k}3',
      emailState: '4',
      items: second,
    });
    // Not from the key it holds: nothing is applied.
    expect(
      await advanceInbox(
        accountId,
        '{k}2',
        { syncKey: '{k}9', emailState: '5', items: {}, ...answer },
        second,
      ),
    ).toBe(false);
    expect((await store.syncState(accountId, 'phone', 'inbox'))?.items).toEqual(second);
  });

  it('keeps no answer built for the whole hierarchy once a FolderSync moved the device to the quarantine view', async () => {
    const accountId = randomUUID();
    await holdInbox(accountId);
    // A Sync read the whole hierarchy and built its answer (mail); before it stores the answer,
    // the quarantine FolderSync moves the hierarchy and forgets the kept answers.
    const built = await store.hierarchyWithState(accountId, 'phone', 'inbox');
    expect(built?.quarantined).toBe(false);
    expect(await store.saveFolderState(accountId, 'phone', 'f1', folderState('f2', true))).toBe(true);
    await store.forgetKeptAnswers(accountId, 'phone');
    const mail = Buffer.from('the mail');
    expect(
      await advanceInbox(accountId, '{k}1', {
        syncKey: '{k}2',
        emailState: '3',
        items: { m1: unread },
        windowDays: 0,
        response: mail,
        quarantined: built!.quarantined,
      }),
    ).toBe(false);
    expect(await store.syncState(accountId, 'phone', 'inbox')).toMatchObject({
      syncKey: '{k}1',
      items: {},
      previousKey: null,
      previousResponse: null,
    });
    // An answer built for the quarantine view is kept, and says so.
    expect(
      await advanceInbox(accountId, '{k}1', {
        syncKey: '{k}2',
        emailState: null,
        items: {},
        windowDays: 0,
        response: Buffer.from('the notice'),
        quarantined: true,
      }),
    ).toBe(true);
    expect((await store.hierarchyWithState(accountId, 'phone', 'inbox'))?.collection).toMatchObject({
      syncKey: '{k}2',
      previousKey: '{k}1',
      previousResponse: Buffer.from('the notice'),
      previousQuarantined: true,
    });
  });
});

import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayPerSuite } from '../testing/gateway-harness.js';
import { DeviceStore } from './device-store.js';
import { SyncStore } from './sync-store.js';

describe(DeviceStore.name, () => {
  const gateway = gatewayPerSuite('device-store');
  let devices: DeviceStore;

  beforeAll(async () => {
    devices = gateway.app!.get(DeviceStore);
  });

  const contact = (accountId: string, command: string) => ({
    accountId,
    deviceId: 'phone',
    deviceType: 'iPhone',
    userAgent: 'Apple-iPhone15C2/2201.100',
    protocolVersion: '16.1',
    command,
  });

  it('returns the device as a read of its row gives it, on first contact and after, typed columns included', async () => {
    const accountId = randomUUID();
    const created = await devices.touch(contact(accountId, 'Provision'));
    expect(created).toEqual(await devices.find(accountId, 'phone'));
    expect(created.lastCommand).toBe('Provision');
    expect(created.policyKey).toBeNull();

    await devices.update(accountId, 'phone', {
      policyKey: 3_000_000_000,
      policyVersion: 4,
      pingFolders: ['inbox', 'sent'],
      pingHeartbeatSeconds: 480,
    });
    const touched = await devices.touch(contact(accountId, 'Ping'));
    expect(touched).toEqual(await devices.find(accountId, 'phone'));
    expect(touched).toMatchObject({
      lastCommand: 'Ping',
      policyKey: 3_000_000_000,
      policyVersion: 4,
      pingFolders: ['inbox', 'sent'],
      pingHeartbeatSeconds: 480,
    });
    expect(touched.lastSeenAt).toBeInstanceOf(Date);
    expect(touched.lastSeenAt.getTime()).toBeGreaterThanOrEqual(created.lastSeenAt.getTime());
  });

  it('reads the hierarchy and collections the device holds with its contact, as SyncStore reads them', async () => {
    const accountId = randomUUID();
    const store = gateway.app!.get(SyncStore);
    const none = await devices.touchWithHierarchy(contact(accountId, 'Ping'));
    expect(none.hierarchy).toBeNull();
    expect(none.device).toEqual(await devices.find(accountId, 'phone'));

    const folders = { inbox: { parentId: '0', name: 'Inbox', type: 2 } };
    await store.saveFolderState(accountId, 'phone', '0', {
      syncKey: 'f1',
      folders,
      quarantined: true,
      response: Buffer.alloc(0),
    });
    expect((await devices.touchWithHierarchy(contact(accountId, 'Ping'))).hierarchy).toEqual({
      folders,
      quarantined: true,
      collections: [],
    });

    await store.resetSyncState(accountId, 'phone', 'inbox', '{k}1');
    await store.advanceSyncState(accountId, 'phone', 'inbox', '{k}1', {
      syncKey: '{k}2',
      emailState: '5',
      items: { m1: { read: true, flagged: false } },
      response: Buffer.from([1]),
      quarantined: true,
    });
    const touched = await devices.touchWithHierarchy(contact(accountId, 'Ping'));
    expect(touched.hierarchy).toEqual(await store.hierarchyWithCollections(accountId, 'phone'));
    expect(touched.hierarchy?.collections).toEqual([
      {
        collectionId: 'inbox',
        syncKey: '{k}2',
        emailState: '5',
        items: { m1: { read: true, flagged: false } },
      },
    ]);
    expect(touched.device).toEqual(await devices.find(accountId, 'phone'));
    expect(touched.device.lastCommand).toBe('Ping');
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
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
    const touched = await devices.touch({ ...contact(accountId, 'Ping'), protocolVersion: '14.1' });
    expect(touched).toEqual(await devices.find(accountId, 'phone'));
    expect(touched).toMatchObject({
      lastCommand: 'Ping',
      protocolVersion: '14.1',
      policyKey: 3_000_000_000,
      policyVersion: 4,
      pingFolders: ['inbox', 'sent'],
      pingHeartbeatSeconds: 480,
    });
    expect(touched.lastSeenAt).toBeInstanceOf(Date);
    expect(touched.lastSeenAt.getTime()).toBeGreaterThanOrEqual(created.lastSeenAt.getTime());
  });

  it('writes the last command and contact at most once a minute, unless the device tells another type, user agent or version', async () => {
    const accountId = randomUUID();
    const created = await devices.touch(contact(accountId, 'Sync'));
    const versions = () =>
      gateway
        .app!.get(DataSource)
        .query<Array<{ xmin: string }>>('SELECT xmin FROM activesync.devices WHERE account_id = $1', [
          accountId,
        ]);
    const [first] = await versions();

    // The same device again within the minute: the row is read, not written.
    const ping = await devices.touch(contact(accountId, 'Ping'));
    expect(ping).toEqual(created);
    const { device } = await devices.touchWithHierarchy(contact(accountId, 'Ping'));
    expect(device).toEqual(created);
    expect(await versions()).toEqual([first]);

    // A new user agent (an OS update) is written at once, with the command.
    const updated = await devices.touch({
      ...contact(accountId, 'Ping'),
      userAgent: 'Apple-iPhone15C2/2301.5',
    });
    expect(updated).toMatchObject({ userAgent: 'Apple-iPhone15C2/2301.5', lastCommand: 'Ping' });
    expect(updated).toEqual(await devices.find(accountId, 'phone'));

    // A minute after the last write, the contact is written again.
    await devices.update(accountId, 'phone', { lastSeenAt: new Date(Date.now() - 61_000) });
    const later = await devices.touch({
      ...contact(accountId, 'Sync'),
      userAgent: 'Apple-iPhone15C2/2301.5',
    });
    expect(later.lastCommand).toBe('Sync');
    expect(later.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 30_000);
    expect(later).toEqual(await devices.find(accountId, 'phone'));
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
      windowDays: 0,
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
        windowDays: 0,
      },
    ]);
    expect(touched.device).toEqual(await devices.find(accountId, 'phone'));
    expect(touched.device.lastCommand).toBe('Ping');
  });
});

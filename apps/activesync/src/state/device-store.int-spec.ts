import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayHarness } from '../testing/gateway-harness.js';
import { DeviceStore } from './device-store.js';

describe(DeviceStore.name, () => {
  const gateway = new GatewayHarness('device-store');
  let devices: DeviceStore;

  beforeAll(async () => {
    await gateway.start();
    devices = gateway.app!.get(DeviceStore);
  });

  afterAll(async () => {
    await gateway.stop();
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
});

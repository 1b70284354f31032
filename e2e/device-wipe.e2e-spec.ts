import { describe, expect, it } from 'vitest';
import { bearer, deviceManagementSuite, messagesOfType } from './support/device-management.js';

describe('remote wipe: delivered to a device connected or not, and confirmed', () => {
  const dm = deviceManagementSuite('device-wipe');

  it('sends a wipe to a connected device within a second, keeps who asked and when, and ends its tokens once confirmed', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const token = await dm.registeredToken(address, password, 'lost-phone');
    const socket = await dm.connect(bearer(token));
    await socket.request([['Core/echo', {}, 'e']]);

    const requestedAt = performance.now();
    const requested = await dm.admin('POST', `/admin/accounts/${accountId}/devices/lost-phone/wipe`, {
      kind: 'full',
      requestedBy: 'helpdesk-7',
    });
    expect(requested.status).toBe(202);
    const command = await socket.firstMatching((message) => message['@type'] === 'DeviceWipe');
    expect((command['_receivedAt'] as number) - requestedAt).toBeLessThan(1000);
    expect(command).toMatchObject({
      wipeId: requested.body['wipeId'],
      kind: 'full',
      requestedBy: 'helpdesk-7',
    });
    expect((await socket.request([['Email/query', { accountId }, 'q']]))[0]![1]).toMatchObject({
      type: 'forbidden',
      deviceStatus: 'wipePending',
    });

    const [confirmed] = await socket.request([
      ['DeviceWipe/confirm', { accountId, wipeId: command['wipeId'] }, 'w'],
    ]);
    expect(confirmed).toEqual(['DeviceWipe/confirm', expect.objectContaining({ confirmed: true }), 'w']);
    const closed = await socket.waitForClose(2000);
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/wiped/);

    expect((await fetch(`${dm.pushUrl}/.well-known/jmap`, { headers: bearer(token) })).status).toBe(401);
    const record = await dm.admin('GET', `/admin/wipes/${String(requested.body['wipeId'])}`);
    expect(record.body).toMatchObject({
      status: 'confirmed',
      kind: 'full',
      requestedBy: 'helpdesk-7',
      deviceId: 'lost-phone',
    });
    expect(Date.parse(record.body['confirmedAt'] as string)).toBeGreaterThanOrEqual(
      Date.parse(record.body['requestedAt'] as string),
    );
    expect((await dm.admin('GET', `/admin/accounts/${accountId}/devices/lost-phone`)).body).toMatchObject({
      status: 'wiped',
      liveTokens: 0,
    });
    expect((await dm.register(address, password, { deviceId: 'lost-phone' })).body).toMatchObject({
      error: 'device_wiped',
    });
  });

  it('gives an offline device the wipe command first thing when it connects, before any mail', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const token = await dm.registeredToken(address, password, 'drawer-phone');
    await dm.deliver(address, 'secret before the wipe');
    const requested = await dm.admin('POST', `/admin/accounts/${accountId}/devices/drawer-phone/wipe`, {
      kind: 'account',
      requestedBy: 'security',
    });
    expect(requested.status).toBe(202);

    const socket = await dm.connect(bearer(token));
    const command = await socket.firstMatching((message) => message['@type'] === 'DeviceWipe');
    expect(socket.received[0]).toBe(command);
    expect(command).toMatchObject({ wipeId: requested.body['wipeId'], kind: 'account' });
    socket.enablePush('0');
    await dm.deliver(address, 'arrives while the wipe is pending');
    const answers = await socket.request([
      ['Email/query', { accountId }, 'q'],
      ['Email/get', { accountId, ids: null }, 'g'],
    ]);
    for (const [name, args] of answers) {
      expect(name).toBe('error');
      expect(args).toMatchObject({ type: 'forbidden', deviceStatus: 'wipePending' });
    }
    await socket.request([['DeviceWipe/confirm', { wipeId: command['wipeId'] }, 'w']]);
    await socket.waitForClose(2000);
    expect(messagesOfType(socket, 'StateChange')).toEqual([]);
    expect(JSON.stringify(socket.received)).not.toContain('secret before the wipe');
  });
});

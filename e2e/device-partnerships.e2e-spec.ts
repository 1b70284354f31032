import { MAIL_CAPABILITY } from '@pushmail/jmap';
import { expectEventually, type Invocation } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import {
  basic,
  bearer,
  DEVICE_LIMIT,
  deviceManagementSuite,
  FAILURE_DELAY_MS,
  type Json,
} from './support/device-management.js';

describe('device partnerships: how many, how a device signs in, and its credentials', () => {
  const dm = deviceManagementSuite('device-partnerships');

  it('limits the partnerships of an account, for token and password clients alike, and says how to free a place', async () => {
    const { accountId, address, password } = await dm.newAccount();
    for (let index = 1; index <= DEVICE_LIMIT; index += 1) {
      expect((await dm.register(address, password, { deviceId: `phone-${index}` })).status).toBe(201);
    }
    const refused = await dm.register(address, password, { deviceId: 'one-too-many' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'device_limit_reached', limit: DEVICE_LIMIT });
    expect(refused.body['message']).toContain(`DELETE /admin/accounts/${accountId}/devices/:deviceId`);

    const standardClient = await dm.refusedUpgrade(basic(address, password, 'laptop-client'));
    expect(standardClient.status).toBe(403);
    expect(standardClient.body).toMatch(/the most it may have \(3\)/);

    expect((await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/phone-1`)).status).toBe(204);
    const socket = await dm.connect(basic(address, password, 'laptop-client'));
    expect(socket.closeInfo).toBeUndefined();
    const devices = await dm.admin('GET', `/admin/accounts/${accountId}/devices`);
    expect((devices.body['devices'] as Json[]).map((device) => device['deviceId']).sort()).toEqual([
      'laptop-client',
      'phone-2',
      'phone-3',
    ]);
  });

  it('lets a standard client sign in with address and password: its first contact creates the partnership', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const session = await fetch(`${dm.pushUrl}/.well-known/jmap`, {
      headers: basic(address, password, 'thunder-1'),
    });
    expect(session.status).toBe(200);
    const body = (await session.json()) as { primaryAccounts: Record<string, string>; username: string };
    expect(body.primaryAccounts[MAIL_CAPABILITY]).toBe(accountId);

    const answer = await dm.jmapOverHttp(basic(address, password, 'thunder-1'), [
      ['Mailbox/get', { accountId }, 'm'],
    ]);
    expect(answer.status).toBe(200);
    expect((answer.body['methodResponses'] as Invocation[])[0]![0]).toBe('Mailbox/get');

    const wrong = await fetch(`${dm.pushUrl}/.well-known/jmap`, {
      headers: basic(address, 'not the password', 'thunder-1'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);

    // Without an X-Device-Id the partnership is told apart by the user agent.
    expect(
      (await fetch(`${dm.pushUrl}/.well-known/jmap`, { headers: basic(address, password) })).status,
    ).toBe(200);

    await expectEventually(async () => {
      const device = await dm.admin('GET', `/admin/accounts/${accountId}/devices/thunder-1`);
      expect(device.body).toMatchObject({
        authMethod: 'password',
        access: 'allowed',
        userAgent: 'StandardMail/1.0',
      });
      expect(device.body['firstSyncAt']).not.toBeNull();
      expect(device.body['lastSyncAt']).not.toBeNull();
      expect(device.body['lastSeenAddress']).toBe('127.0.0.1');
    });
    const all = await dm.admin('GET', `/admin/accounts/${accountId}/devices`);
    expect((all.body['devices'] as Json[]).map((device) => device['deviceId'])).toEqual([
      'thunder-1',
      expect.stringMatching(/^ua-/),
    ]);
  });

  it('rotates a device token with no overlap: the old token is refused at once, the new one works at once', async () => {
    const { address, password } = await dm.newAccount();
    const oldToken = await dm.registeredToken(address, password, 'rotating-phone');
    const socket = await dm.connect(bearer(oldToken));

    const rotated = await fetch(`${dm.pushUrl}/jmap/device/token`, {
      method: 'POST',
      headers: bearer(oldToken),
    });
    expect(rotated.status).toBe(200);
    const { token: newToken } = (await rotated.json()) as { token: string };
    expect(newToken).toMatch(/^pmd_/);
    expect(newToken).not.toBe(oldToken);
    expect((await fetch(`${dm.pushUrl}/.well-known/jmap`, { headers: bearer(oldToken) })).status).toBe(401);
    expect((await fetch(`${dm.pushUrl}/.well-known/jmap`, { headers: bearer(newToken) })).status).toBe(200);
    const closed = await socket.waitForClose(2000);
    expect(closed.reason).toMatch(/revoked/);

    // The registry's own rotation endpoint behaves alike.
    const viaRegistry = await fetch(`${dm.platform.registryUrl}/v1/devices/token`, {
      method: 'POST',
      headers: bearer(newToken),
    });
    expect(viaRegistry.status).toBe(200);
    expect(
      (
        await fetch(`${dm.platform.registryUrl}/v1/devices/token`, {
          method: 'POST',
          headers: bearer(newToken),
        })
      ).status,
    ).toBe(401);
  });

  it('slows repeated failed sign-ins, then locks the account for a while, visibly to the administrator', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const started = performance.now();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await dm.register(address, `wrong-${attempt}`, { deviceId: 'phone' })).status);
    }
    const elapsed = performance.now() - started;
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // 1x, 2x, 4x, 8x, 16x the base delay: slower with every failure.
    expect(elapsed).toBeGreaterThanOrEqual(FAILURE_DELAY_MS * 31);

    const locked = await dm.register(address, password, { deviceId: 'phone' });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: 'account_locked' });
    expect(locked.body['message']).toMatch(/ask an administrator to unlock it/);
    const viaPush = await fetch(`${dm.pushUrl}/.well-known/jmap`, {
      headers: basic(address, password, 'laptop'),
    });
    expect(viaPush.status).toBe(429);
    expect(Number(viaPush.headers.get('retry-after'))).toBeGreaterThan(0);

    const account = await dm.admin('GET', `/admin/accounts/${accountId}`);
    expect(Date.parse(account.body['lockedUntil'] as string)).toBeGreaterThan(Date.now() + 10 * 60_000);
    const lockedList = await dm.admin('GET', '/admin/accounts?locked=true&limit=200');
    expect((lockedList.body['accounts'] as Json[]).map((entry) => entry['accountId'])).toContain(accountId);

    expect((await dm.admin('POST', `/admin/accounts/${accountId}/unlock`)).body).toMatchObject({
      lockedUntil: null,
      failedSignIns: 0,
    });
    expect((await dm.register(address, password, { deviceId: 'phone' })).status).toBe(201);
  });
});

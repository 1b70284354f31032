import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deviceManagementSuite, readDeviceEvents, type Json } from './support/device-management.js';

describe('device administration: events, the command line and the API document', () => {
  const dm = deviceManagementSuite('device-administration');

  it('publishes each device event on pushmail.device.event.v1, keyed by the account', async () => {
    const { accountId, address, password } = await dm.newAccount();
    await dm.registeredToken(address, password, 'evented');
    await dm.admin('PUT', `/admin/accounts/${accountId}/devices/evented/access`, { access: 'blocked' });
    await dm.admin('PUT', `/admin/accounts/${accountId}/devices/evented/access`, { access: 'allowed' });
    await dm.admin('POST', `/admin/accounts/${accountId}/devices/evented/wipe`, {
      kind: 'account',
      requestedBy: 'auditor',
    });
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/evented`);

    const events = await readDeviceEvents(dm.platform, accountId, 6);
    expect(events.map((event) => event.type)).toEqual([
      'registered',
      'accessChanged',
      'accessChanged',
      'wipeRequested',
      'wipeCancelled',
      'removed',
    ]);
    expect(events[1]).toMatchObject({
      deviceId: 'evented',
      access: { level: 'blocked', previous: 'allowed' },
      actor: 'administrator',
    });
    expect(events[3]).toMatchObject({ wipe: { kind: 'account', requestedBy: 'auditor' } });
  });

  it("drives the common tasks through the administrator's command line", async () => {
    const cli = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['tools/admin/cli.mjs', ...args], {
        env: {
          ...process.env,
          PUSHMAIL_REGISTRY_URL: dm.platform.registryUrl,
          PUSHMAIL_ADMIN_TOKEN: dm.platform.adminToken,
        },
      });
      return stdout;
    };
    const address = `cli-${randomUUID().slice(0, 8)}@example.com`;
    const created = JSON.parse(
      await cli('accounts', 'create', address, '--password', 'correct horse battery'),
    ) as Json;
    expect(created['address']).toBe(address);
    await dm.registeredToken(address, 'correct horse battery', 'cli-phone');

    expect(await cli('devices', 'list', address)).toMatch(
      /cli-phone\s+phone\s+Pixel 10\s+jmap\s+allowed\s+organisation default: allowed/,
    );
    const blocked = JSON.parse(await cli('devices', 'block', address, 'cli-phone', '--note', 'lost')) as Json;
    expect(blocked).toMatchObject({ access: 'blocked', note: 'lost' });
    expect(await cli('devices', 'list', '--access', 'blocked', '--search', address)).toContain('cli-phone');
    await cli('devices', 'allow', address, 'cli-phone');

    const policy = JSON.parse(
      await cli(
        'policies',
        'create',
        `cli-${randomUUID().slice(0, 6)}`,
        '--pin-required',
        '--min-pin-length',
        '6',
        '--sync-window-days',
        'none',
      ),
    ) as Json;
    expect(policy['settings']).toMatchObject({ pinRequired: true, minPinLength: 6, syncWindowDays: null });
    expect(JSON.parse(await cli('accounts', 'policy', address, String(policy['policyId'])))).toMatchObject({
      policyId: policy['policyId'],
    });
    const rule = JSON.parse(
      await cli('rules', 'add', 'model', `CLI Model ${randomUUID().slice(0, 6)}`, 'quarantined'),
    ) as Json;
    expect(await cli('rules', 'list')).toContain(String(rule['ruleId']));
    await cli('rules', 'remove', String(rule['ruleId']));

    const wipe = JSON.parse(
      await cli('devices', 'wipe', address, 'cli-phone', '--account-only', '--by', 'cli-admin'),
    ) as Json;
    expect(wipe).toMatchObject({ kind: 'account', requestedBy: 'cli-admin', status: 'pending' });
    expect(await cli('wipes', 'list', '--account', address)).toMatch(
      /cli-phone\s+account\s+pending\s+cli-admin/,
    );
    expect(await cli('devices', 'remove', address, 'cli-phone')).toContain('partnership removed');
    expect(JSON.parse(await cli('settings', 'show'))).toMatchObject({ defaultAccess: 'allowed' });
  });

  it('serves its OpenAPI document to the administrator only', async () => {
    expect((await fetch(`${dm.platform.registryUrl}/admin/openapi.json`)).status).toBe(401);
    const document = await dm.admin('GET', '/admin/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body['openapi']).toBe('3.1.0');
    expect(Object.keys(document.body['paths'] as Json)).toContain(
      '/admin/accounts/{accountId}/devices/{deviceId}/wipe',
    );
  });
});

import { randomUUID } from 'node:crypto';
import { type Invocation, policySettings } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { basic, bearer, deviceManagementSuite, type Json } from './support/device-management.js';

describe('device access: rules, quarantine, blocks and policies, enforced live', () => {
  const dm = deviceManagementSuite('device-access');

  it('decides access by exemption, model rule, device type rule and the default, and names the rule that decided', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const tag = randomUUID().slice(0, 6);
    const blockedModel = await dm.admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: `Brick ${tag}*`,
      access: 'blocked',
    });
    expect(blockedModel.status).toBe(201);
    const kioskType = await dm.admin('POST', '/admin/access/rules', {
      matchField: 'deviceType',
      pattern: `kiosk-${tag}`,
      access: 'quarantined',
    });
    const blockedType = await dm.admin('POST', '/admin/access/rules', {
      matchField: 'deviceType',
      pattern: `toaster-${tag}`,
      access: 'blocked',
    });
    const allowedModel = await dm.admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: `Good Toaster ${tag}`,
      access: 'allowed',
    });

    // A model rule, refused at registration with the rule.
    const brick = await dm.register(address, password, { deviceId: 'brick', model: `Brick ${tag} 2` });
    expect(brick.status).toBe(403);
    expect(brick.body).toMatchObject({
      error: 'device_blocked',
      ruleSource: 'rule',
      ruleId: blockedModel.body['ruleId'],
    });
    expect(brick.body['rule']).toContain(`model matches "Brick ${tag}*" -> blocked`);
    const recorded = await dm.admin('GET', `/admin/accounts/${accountId}/devices/brick`);
    expect(recorded.body).toMatchObject({
      access: 'blocked',
      accessSource: 'rule',
      accessRuleId: blockedModel.body['ruleId'],
      liveTokens: 0,
    });

    // A device type rule: quarantined, admitted with the rule named.
    const kiosk = await dm.register(address, password, { deviceId: 'kiosk', deviceType: `kiosk-${tag}` });
    expect(kiosk.status).toBe(201);
    expect(kiosk.body).toMatchObject({ access: 'quarantined' });
    expect(kiosk.body['accessRule']).toContain(`device type matches "kiosk-${tag}" -> quarantined`);
    expect(kiosk.body['accessRule']).toContain(String(kioskType.body['ruleId']));
    // Partnerships count against the limit whatever their access: make room as we go.
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/kiosk`);

    // A model rule outranks a device type rule.
    const goodToaster = await dm.register(address, password, {
      deviceId: 'toaster',
      deviceType: `toaster-${tag}`,
      model: `Good Toaster ${tag}`,
    });
    expect(goodToaster.body).toMatchObject({ access: 'allowed' });
    expect(goodToaster.body['accessRule']).toContain(String(allowedModel.body['ruleId']));
    const badToaster = await dm.register(address, password, {
      deviceId: 'toaster-2',
      deviceType: `toaster-${tag}`,
      model: 'Other',
    });
    expect(badToaster.body).toMatchObject({ error: 'device_blocked', ruleId: blockedType.body['ruleId'] });
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/toaster`);
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/toaster-2`);

    // Exemptions outrank every rule, and may be set before the device ever connects.
    expect(
      (
        await dm.admin('PUT', `/admin/accounts/${accountId}/devices/brick/access`, {
          access: 'allowed',
          note: 'approved',
        })
      ).status,
    ).toBe(200);
    const approvedBrick = await dm.register(address, password, {
      deviceId: 'brick',
      model: `Brick ${tag} 2`,
    });
    expect(approvedBrick.status).toBe(200);
    expect(approvedBrick.body).toMatchObject({
      access: 'allowed',
      accessRule: 'exemption: this device of this account is always allowed',
    });
    await dm.admin('PUT', `/admin/accounts/${accountId}/devices/stolen/access`, { access: 'blocked' });
    const stolen = await dm.register(address, password, { deviceId: 'stolen' });
    expect(stolen.status).toBe(403);
    expect(stolen.body).toMatchObject({ error: 'device_blocked', ruleSource: 'exemption' });
    const blockedDevices = await dm.admin('GET', `/admin/devices?accountId=${accountId}&access=blocked`);
    expect((blockedDevices.body['devices'] as Json[]).map((device) => device['deviceId'])).toEqual([
      'stolen',
    ]);
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/stolen`);

    // The organisation default, for a device nothing else decides; password clients too, at connect.
    const plain = await dm.register(address, password, { deviceId: 'plain' });
    expect(plain.body).toMatchObject({ access: 'allowed', accessRule: 'organisation default: allowed' });
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/plain`);
    try {
      expect((await dm.admin('PUT', '/admin/settings', { defaultAccess: 'blocked' })).body).toMatchObject({
        defaultAccess: 'blocked',
      });
      const refused = await dm.register(address, password, { deviceId: 'plain' });
      expect(refused.body).toMatchObject({
        error: 'device_blocked',
        rule: 'organisation default: blocked',
        ruleSource: 'default',
      });
      await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/plain`);
      const atConnect = await dm.refusedUpgrade(basic(address, password, 'plain'));
      expect(atConnect.status).toBe(403);
      expect(atConnect.body).toContain('organisation default: blocked');
    } finally {
      await dm.admin('PUT', '/admin/settings', { defaultAccess: 'allowed' });
    }
    await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/plain`);

    const listed = await dm.admin('GET', '/admin/access/rules');
    expect((listed.body['rules'] as Json[]).map((rule) => rule['ruleId'])).toEqual(
      expect.arrayContaining([
        blockedModel.body['ruleId'],
        kioskType.body['ruleId'],
        blockedType.body['ruleId'],
      ]),
    );
  });

  it('tells a quarantined device so, serves it no mail, and lets it sync as soon as an administrator allows it', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const tag = randomUUID().slice(0, 6);
    await dm.admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: `Unknown Tablet ${tag}`,
      access: 'quarantined',
    });
    // Delivered mail moves the account's state, which the device is told once it is released.
    await dm.deliver(address, 'waiting while quarantined');
    const token = await dm.registeredToken(address, password, 'tablet', { model: `Unknown Tablet ${tag}` });
    const socket = await dm.connect(bearer(token));

    const status = await socket.firstMatching((message) => message['@type'] === 'DeviceStatus');
    expect(status).toMatchObject({ status: 'quarantined' });
    expect(status['rule']).toContain(`Unknown Tablet ${tag}`);
    const [[name, refusal]] = (await socket.request([['Email/query', { accountId }, 'q']])) as [Invocation];
    expect(name).toBe('error');
    expect(refusal).toMatchObject({ type: 'forbidden', deviceStatus: 'quarantined' });
    socket.enablePush('0');

    const allowedAt = performance.now();
    expect(
      (await dm.admin('PUT', `/admin/accounts/${accountId}/devices/tablet/access`, { access: 'allowed' }))
        .status,
    ).toBe(200);
    const released = await socket.firstMatching(
      (message) => message['@type'] === 'DeviceStatus' && message['status'] === 'allowed',
    );
    expect((released['_receivedAt'] as number) - allowedAt).toBeLessThan(1000);
    // Released, it is told the current states so it fetches what it missed.
    await socket.firstMatching((message) => message['@type'] === 'StateChange');
    const [[answeredMethod, query]] = (await socket.request([['Email/query', { accountId }, 'q']])) as [
      Invocation,
    ];
    expect(answeredMethod).toBe('Email/query');
    expect(Array.isArray(query['ids'])).toBe(true);
  });

  it('requires the current policy to be acknowledged before any mail call, and pushes a changed policy at once', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const token = await dm.registeredToken(address, password, 'phone');
    const socket = await dm.connect(bearer(token));
    expect((await socket.request([['Mailbox/get', { accountId }, 'm']]))[0]![0]).toBe('Mailbox/get');

    const created = await dm.admin('POST', '/admin/policies', {
      name: `strict-${randomUUID().slice(0, 6)}`,
      settings: policySettings({ maxAttachmentBytes: 5_000_000 }),
    });
    expect(created.status).toBe(201);
    const policyId = created.body['policyId'] as string;
    const assignedAt = performance.now();
    expect((await dm.admin('PUT', `/admin/accounts/${accountId}/policy`, { policyId })).body).toMatchObject({
      policyId,
    });
    const pushed = await socket.firstMatching((message) => message['@type'] === 'DevicePolicy');
    expect((pushed['_receivedAt'] as number) - assignedAt).toBeLessThan(1000);
    expect(pushed).toMatchObject({
      acknowledgementRequired: true,
      policy: { policyId, version: 1, settings: { pinRequired: true, minPinLength: 6, syncWindowDays: 14 } },
    });

    const refused = await socket.request([
      ['Email/query', { accountId }, 'q'],
      ['Mailbox/get', { accountId }, 'm'],
    ]);
    for (const [name, args] of refused) {
      expect(name).toBe('error');
      expect(args).toMatchObject({ type: 'policyAcknowledgementRequired', policyId, version: 1 });
      expect(args['description']).toMatch(/policy acknowledgement required/);
    }
    const overHttp = await dm.jmapOverHttp(bearer(token), [['Email/query', { accountId }, 'q']]);
    expect((overHttp.body['methodResponses'] as Invocation[])[0]![1]).toMatchObject({
      type: 'policyAcknowledgementRequired',
    });

    const [[, fetched]] = (await socket.request([['DevicePolicy/get', { accountId }, 'p']])) as [Invocation];
    expect(fetched).toMatchObject({
      policy: { policyId, version: 1 },
      acknowledgementRequired: true,
      acknowledgedVersion: null,
    });
    const acknowledged = await socket.request([
      ['DevicePolicy/acknowledge', { accountId, version: 1 }, 'a'],
      ['Email/query', { accountId }, 'q'],
    ]);
    expect(acknowledged[0]).toEqual([
      'DevicePolicy/acknowledge',
      expect.objectContaining({ acknowledged: true, version: 1 }),
      'a',
    ]);
    expect(acknowledged[1]![0]).toBe('Email/query');
    const device = await dm.admin('GET', `/admin/accounts/${accountId}/devices/phone`);
    expect(device.body).toMatchObject({
      policyAcknowledged: true,
      acknowledgedPolicy: { policyId, version: 1 },
    });

    const changedAt = performance.now();
    expect(
      (await dm.admin('PUT', `/admin/policies/${policyId}`, { settings: { minPinLength: 8 } })).body,
    ).toMatchObject({ version: 2 });
    const next = await socket.firstMatching(
      (message) => message['@type'] === 'DevicePolicy' && (message['policy'] as Json)['version'] === 2,
    );
    expect((next['_receivedAt'] as number) - changedAt).toBeLessThan(1000);
    expect(next).toMatchObject({
      acknowledgementRequired: true,
      acknowledgedVersion: 1,
      policy: { settings: { minPinLength: 8 } },
    });
    expect((await socket.request([['Email/query', { accountId }, 'q']]))[0]![1]).toMatchObject({
      type: 'policyAcknowledgementRequired',
      version: 2,
    });
    expect(
      (await socket.request([['DevicePolicy/acknowledge', { accountId, version: 1 }, 'a']]))[0]![1],
    ).toMatchObject({ type: 'stateMismatch' });
    await socket.request([['DevicePolicy/acknowledge', { accountId, version: 2 }, 'a']]);
    expect((await socket.request([['Email/query', { accountId }, 'q']]))[0]![0]).toBe('Email/query');
  });

  it('disconnects a device blocked while connected within a second, with the reason, and refuses it at connect', async () => {
    const { accountId, address, password } = await dm.newAccount();
    const token = await dm.registeredToken(address, password, 'desk-phone');
    const socket = await dm.connect(bearer(token));
    const passwordClient = await dm.connect(basic(address, password, 'desk-laptop'));

    const blockedAt = performance.now();
    expect(
      (await dm.admin('PUT', `/admin/accounts/${accountId}/devices/desk-phone/access`, { access: 'blocked' }))
        .status,
    ).toBe(200);
    const closed = await socket.waitForClose(2000);
    expect(closed.at - blockedAt).toBeLessThan(1000);
    expect(closed).toMatchObject({ code: 4003 });
    expect(closed.reason).toMatch(/blocked/);
    expect(passwordClient.closeInfo).toBeUndefined();

    const again = await dm.refusedUpgrade(bearer(token));
    expect(again.status).toBe(403);
    expect(again.body).toContain('always blocked');

    const removedAt = performance.now();
    expect((await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/desk-laptop`)).status).toBe(204);
    const removed = await passwordClient.waitForClose(2000);
    expect(removed.at - removedAt).toBeLessThan(1000);
    expect(removed.reason).toMatch(/removed/);
  });
});

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { decodeEvent, deviceEventTopic, type DeviceEventV1 } from '@pushmail/contracts';
import { createKafka, createLogger } from '@pushmail/platform';
import {
  buildMessage,
  expectEventually,
  freePort,
  sendMail,
  type Invocation,
  type RunningPlatform,
} from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { kafkaBrokers, startSuitePlatform } from './support/e2e-platform.js';

const DEVICE_LIMIT = 3;
const FAILURE_DELAY_MS = 100;
const CORE = 'urn:ietf:params:jmap:core';
const MAIL = 'urn:ietf:params:jmap:mail';
const DEVICE = 'urn:pushmail:params:jmap:device';

type Json = Record<string, unknown>;

/** A device's JMAP WebSocket, authenticated with whatever headers the test gives. */
class TestSocket {
  readonly received: Json[] = [];
  closeInfo: { code: number; reason: string; at: number } | undefined;
  private readonly listeners = new Set<() => void>();
  private counter = 0;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Json;
      message['_at'] = performance.now();
      this.received.push(message);
      for (const listener of this.listeners) listener();
    });
    socket.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString(), at: performance.now() };
      for (const listener of this.listeners) listener();
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<TestSocket> {
    const socket = new WebSocket(url, 'jmap', { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestSocket(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${response.statusCode} ${body}`), {
              status: response.statusCode,
              body,
            }),
          ),
        );
      });
    });
  }

  /** The first message (received already or later) that matches. */
  waitFor(match: (message: Json) => boolean, timeoutMs = 5000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.closeInfo) {
          done();
          reject(new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string; at: number }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.closeInfo) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(this.closeInfo);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`socket still open after ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  async request(methodCalls: Invocation[], using = [CORE, MAIL, DEVICE]): Promise<Invocation[]> {
    const id = `r${++this.counter}`;
    const response = this.waitFor((message) => message['requestId'] === id, 10_000);
    this.socket.send(JSON.stringify({ '@type': 'Request', id, using, methodCalls }));
    const message = await response;
    if (message['@type'] !== 'Response') throw new Error(`request failed: ${JSON.stringify(message)}`);
    return message['methodResponses'] as Invocation[];
  }

  enablePush(pushState?: string): void {
    this.socket.send(
      JSON.stringify({
        '@type': 'WebSocketPushEnable',
        dataTypes: null,
        ...(pushState ? { pushState } : {}),
      }),
    );
  }

  close(): void {
    if (!this.closeInfo) this.socket.close(1000);
  }
}

describe('device management: partnerships, access, policies and remote wipe, enforced live', () => {
  let platform: RunningPlatform;
  let pushUrl: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    const registryPort = await freePort();
    platform = await startSuitePlatform('device-management', {
      mailDomains: ['example.com'],
      ports: { registry: registryPort },
      serviceEnv: {
        'device-registry': {
          MAX_DEVICES_PER_ACCOUNT: String(DEVICE_LIMIT),
          SIGN_IN_FAILURE_DELAY_MS: String(FAILURE_DELAY_MS),
          SIGN_IN_LOCKOUT_THRESHOLD: '5',
        },
        'push-delivery': {
          REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
          DEVICE_ACTIVITY_FLUSH_MS: '300',
        },
      },
    });
    pushUrl = `http://${platform.host}:${platform.ports.push}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await platform?.stop();
  });

  async function admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${platform.registryUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${platform.adminToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  }

  async function newAccount(): Promise<{ accountId: string; address: string; password: string }> {
    const address = `dm-${randomUUID().slice(0, 8)}@example.com`;
    const password = `pw-${randomUUID()}`;
    const created = await admin('POST', '/admin/accounts', { address, password });
    expect(created.status).toBe(201);
    return { accountId: created.body['accountId'] as string, address, password };
  }

  async function register(
    address: string,
    password: string,
    device: { deviceId: string; deviceType?: string; model?: string },
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${platform.registryUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address, password, deviceType: 'phone', model: 'Pixel 10', ...device }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function registeredToken(
    address: string,
    password: string,
    deviceId: string,
    extra: Json = {},
  ): Promise<string> {
    const registration = await register(address, password, { deviceId, ...extra });
    expect([200, 201]).toContain(registration.status);
    return registration.body['token'] as string;
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const basic = (address: string, password: string, deviceId?: string) => ({
    authorization: `Basic ${Buffer.from(`${address}:${password}`).toString('base64')}`,
    'user-agent': 'StandardMail/1.0',
    ...(deviceId ? { 'x-device-id': deviceId } : {}),
  });

  /** Connects once push-delivery knows the credentials (they travel through Kafka). */
  async function connect(headers: Record<string, string>): Promise<TestSocket> {
    const socket = await expectEventually(() => TestSocket.open(platform.websocketUrl, headers), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    sockets.push(socket);
    return socket;
  }

  async function refusedUpgrade(headers: Record<string, string>): Promise<{ status: number; body: string }> {
    try {
      const socket = await TestSocket.open(platform.websocketUrl, headers);
      socket.close();
    } catch (error) {
      const refusal = error as { status?: number; body?: string };
      if (refusal.status !== undefined) return { status: refusal.status, body: refusal.body ?? '' };
      throw error;
    }
    throw new Error('the upgrade was accepted');
  }

  async function jmapOverHttp(
    headers: Record<string, string>,
    methodCalls: Invocation[],
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${pushUrl}/jmap/api`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ using: [CORE, MAIL, DEVICE], methodCalls }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function deliver(address: string, subject: string): Promise<void> {
    const result = await sendMail(platform.smtp.host, platform.smtp.port, {
      from: 'sender@elsewhere.example',
      to: [address],
      message: buildMessage({ from: 'sender@elsewhere.example', to: address, subject, text: 'hello' }),
    });
    expect(result.data?.code).toBe(250);
  }

  const messagesOfType = (socket: TestSocket, type: string) =>
    socket.received.filter((message) => message['@type'] === type);

  it('limits the partnerships of an account, for token and password clients alike, and says how to free a place', async () => {
    const { accountId, address, password } = await newAccount();
    for (let index = 1; index <= DEVICE_LIMIT; index += 1) {
      expect((await register(address, password, { deviceId: `phone-${index}` })).status).toBe(201);
    }
    const refused = await register(address, password, { deviceId: 'one-too-many' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'device_limit_reached', limit: DEVICE_LIMIT });
    expect(refused.body['message']).toContain(`DELETE /admin/accounts/${accountId}/devices/:deviceId`);

    const standardClient = await refusedUpgrade(basic(address, password, 'laptop-client'));
    expect(standardClient.status).toBe(403);
    expect(standardClient.body).toMatch(/the most it may have \(3\)/);

    expect((await admin('DELETE', `/admin/accounts/${accountId}/devices/phone-1`)).status).toBe(204);
    const socket = await connect(basic(address, password, 'laptop-client'));
    expect(socket.closeInfo).toBeUndefined();
    const devices = await admin('GET', `/admin/accounts/${accountId}/devices`);
    expect((devices.body['devices'] as Json[]).map((device) => device['deviceId']).sort()).toEqual([
      'laptop-client',
      'phone-2',
      'phone-3',
    ]);
  });

  it('lets a standard client sign in with address and password: its first contact creates the partnership', async () => {
    const { accountId, address, password } = await newAccount();
    const session = await fetch(`${pushUrl}/.well-known/jmap`, {
      headers: basic(address, password, 'thunder-1'),
    });
    expect(session.status).toBe(200);
    const body = (await session.json()) as { primaryAccounts: Record<string, string>; username: string };
    expect(body.primaryAccounts[MAIL]).toBe(accountId);

    const answer = await jmapOverHttp(basic(address, password, 'thunder-1'), [
      ['Mailbox/get', { accountId }, 'm'],
    ]);
    expect(answer.status).toBe(200);
    expect((answer.body['methodResponses'] as Invocation[])[0]![0]).toBe('Mailbox/get');

    const wrong = await fetch(`${pushUrl}/.well-known/jmap`, {
      headers: basic(address, 'not the password', 'thunder-1'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);

    // Without an X-Device-Id the partnership is told apart by the user agent.
    expect((await fetch(`${pushUrl}/.well-known/jmap`, { headers: basic(address, password) })).status).toBe(
      200,
    );

    await expectEventually(async () => {
      const device = await admin('GET', `/admin/accounts/${accountId}/devices/thunder-1`);
      expect(device.body).toMatchObject({
        authMethod: 'password',
        access: 'allowed',
        userAgent: 'StandardMail/1.0',
      });
      expect(device.body['firstSyncAt']).not.toBeNull();
      expect(device.body['lastSyncAt']).not.toBeNull();
      expect(device.body['lastSeenAddress']).toBe('127.0.0.1');
    });
    const all = await admin('GET', `/admin/accounts/${accountId}/devices`);
    expect((all.body['devices'] as Json[]).map((device) => device['deviceId'])).toEqual([
      'thunder-1',
      expect.stringMatching(/^ua-/),
    ]);
  });

  it('decides access by exemption, model rule, device type rule and the default, and names the rule that decided', async () => {
    const { accountId, address, password } = await newAccount();
    const tag = randomUUID().slice(0, 6);
    const blockedModel = await admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: `Brick ${tag}*`,
      access: 'blocked',
    });
    expect(blockedModel.status).toBe(201);
    const kioskType = await admin('POST', '/admin/access/rules', {
      matchField: 'deviceType',
      pattern: `kiosk-${tag}`,
      access: 'quarantined',
    });
    const blockedType = await admin('POST', '/admin/access/rules', {
      matchField: 'deviceType',
      pattern: `toaster-${tag}`,
      access: 'blocked',
    });
    const allowedModel = await admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: `Good Toaster ${tag}`,
      access: 'allowed',
    });

    // A model rule, refused at registration with the rule.
    const brick = await register(address, password, { deviceId: 'brick', model: `Brick ${tag} 2` });
    expect(brick.status).toBe(403);
    expect(brick.body).toMatchObject({
      error: 'device_blocked',
      ruleSource: 'rule',
      ruleId: blockedModel.body['ruleId'],
    });
    expect(brick.body['rule']).toContain(`model matches "Brick ${tag}*" -> blocked`);
    const recorded = await admin('GET', `/admin/accounts/${accountId}/devices/brick`);
    expect(recorded.body).toMatchObject({
      access: 'blocked',
      accessSource: 'rule',
      accessRuleId: blockedModel.body['ruleId'],
      liveTokens: 0,
    });

    // A device type rule: quarantined, admitted with the rule named.
    const kiosk = await register(address, password, { deviceId: 'kiosk', deviceType: `kiosk-${tag}` });
    expect(kiosk.status).toBe(201);
    expect(kiosk.body).toMatchObject({ access: 'quarantined' });
    expect(kiosk.body['accessRule']).toContain(`device type matches "kiosk-${tag}" -> quarantined`);
    expect(kiosk.body['accessRule']).toContain(String(kioskType.body['ruleId']));
    // Partnerships count against the limit whatever their access: make room as we go.
    await admin('DELETE', `/admin/accounts/${accountId}/devices/kiosk`);

    // A model rule outranks a device type rule.
    const goodToaster = await register(address, password, {
      deviceId: 'toaster',
      deviceType: `toaster-${tag}`,
      model: `Good Toaster ${tag}`,
    });
    expect(goodToaster.body).toMatchObject({ access: 'allowed' });
    expect(goodToaster.body['accessRule']).toContain(String(allowedModel.body['ruleId']));
    const badToaster = await register(address, password, {
      deviceId: 'toaster-2',
      deviceType: `toaster-${tag}`,
      model: 'Other',
    });
    expect(badToaster.body).toMatchObject({ error: 'device_blocked', ruleId: blockedType.body['ruleId'] });
    await admin('DELETE', `/admin/accounts/${accountId}/devices/toaster`);
    await admin('DELETE', `/admin/accounts/${accountId}/devices/toaster-2`);

    // Exemptions outrank every rule, and may be set before the device ever connects.
    expect(
      (
        await admin('PUT', `/admin/accounts/${accountId}/devices/brick/access`, {
          access: 'allowed',
          note: 'approved',
        })
      ).status,
    ).toBe(200);
    const approvedBrick = await register(address, password, { deviceId: 'brick', model: `Brick ${tag} 2` });
    expect(approvedBrick.status).toBe(200);
    expect(approvedBrick.body).toMatchObject({
      access: 'allowed',
      accessRule: 'exemption: this device of this account is always allowed',
    });
    await admin('PUT', `/admin/accounts/${accountId}/devices/stolen/access`, { access: 'blocked' });
    const stolen = await register(address, password, { deviceId: 'stolen' });
    expect(stolen.status).toBe(403);
    expect(stolen.body).toMatchObject({ error: 'device_blocked', ruleSource: 'exemption' });
    const blockedDevices = await admin('GET', `/admin/devices?accountId=${accountId}&access=blocked`);
    expect((blockedDevices.body['devices'] as Json[]).map((device) => device['deviceId'])).toEqual([
      'stolen',
    ]);
    await admin('DELETE', `/admin/accounts/${accountId}/devices/stolen`);

    // The organisation default, for a device nothing else decides; password clients too, at connect.
    const plain = await register(address, password, { deviceId: 'plain' });
    expect(plain.body).toMatchObject({ access: 'allowed', accessRule: 'organisation default: allowed' });
    await admin('DELETE', `/admin/accounts/${accountId}/devices/plain`);
    try {
      expect((await admin('PUT', '/admin/settings', { defaultAccess: 'blocked' })).body).toMatchObject({
        defaultAccess: 'blocked',
      });
      const refused = await register(address, password, { deviceId: 'plain' });
      expect(refused.body).toMatchObject({
        error: 'device_blocked',
        rule: 'organisation default: blocked',
        ruleSource: 'default',
      });
      await admin('DELETE', `/admin/accounts/${accountId}/devices/plain`);
      const atConnect = await refusedUpgrade(basic(address, password, 'plain'));
      expect(atConnect.status).toBe(403);
      expect(atConnect.body).toContain('organisation default: blocked');
    } finally {
      await admin('PUT', '/admin/settings', { defaultAccess: 'allowed' });
    }
    await admin('DELETE', `/admin/accounts/${accountId}/devices/plain`);

    const listed = await admin('GET', '/admin/access/rules');
    expect((listed.body['rules'] as Json[]).map((rule) => rule['ruleId'])).toEqual(
      expect.arrayContaining([
        blockedModel.body['ruleId'],
        kioskType.body['ruleId'],
        blockedType.body['ruleId'],
      ]),
    );
  });

  it('tells a quarantined device so, serves it no mail, and lets it sync as soon as an administrator allows it', async () => {
    const { accountId, address, password } = await newAccount();
    const tag = randomUUID().slice(0, 6);
    await admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: `Unknown Tablet ${tag}`,
      access: 'quarantined',
    });
    // Delivered mail moves the account's state, which the device is told once it is released.
    await deliver(address, 'waiting while quarantined');
    const token = await registeredToken(address, password, 'tablet', { model: `Unknown Tablet ${tag}` });
    const socket = await connect(bearer(token));

    const status = await socket.waitFor((message) => message['@type'] === 'DeviceStatus');
    expect(status).toMatchObject({ status: 'quarantined' });
    expect(status['rule']).toContain(`Unknown Tablet ${tag}`);
    const [[name, refusal]] = (await socket.request([['Email/query', { accountId }, 'q']])) as [Invocation];
    expect(name).toBe('error');
    expect(refusal).toMatchObject({ type: 'forbidden', deviceStatus: 'quarantined' });
    socket.enablePush('0');

    const allowedAt = performance.now();
    expect(
      (await admin('PUT', `/admin/accounts/${accountId}/devices/tablet/access`, { access: 'allowed' }))
        .status,
    ).toBe(200);
    const released = await socket.waitFor(
      (message) => message['@type'] === 'DeviceStatus' && message['status'] === 'allowed',
    );
    expect((released['_at'] as number) - allowedAt).toBeLessThan(1000);
    // Released, it is told the current states so it fetches what it missed.
    await socket.waitFor((message) => message['@type'] === 'StateChange');
    const [[answeredMethod, query]] = (await socket.request([['Email/query', { accountId }, 'q']])) as [
      Invocation,
    ];
    expect(answeredMethod).toBe('Email/query');
    expect(Array.isArray(query['ids'])).toBe(true);
  });

  it('requires the current policy to be acknowledged before any mail call, and pushes a changed policy at once', async () => {
    const { accountId, address, password } = await newAccount();
    const token = await registeredToken(address, password, 'phone');
    const socket = await connect(bearer(token));
    expect((await socket.request([['Mailbox/get', { accountId }, 'm']]))[0]![0]).toBe('Mailbox/get');

    const created = await admin('POST', '/admin/policies', {
      name: `strict-${randomUUID().slice(0, 6)}`,
      settings: {
        pinRequired: true,
        minPinLength: 6,
        lockAfterIdleSeconds: 300,
        wipeAfterFailedUnlocks: 10,
        syncWindowDays: 14,
        maxAttachmentBytes: 5_000_000,
      },
    });
    expect(created.status).toBe(201);
    const policyId = created.body['policyId'] as string;
    const assignedAt = performance.now();
    expect((await admin('PUT', `/admin/accounts/${accountId}/policy`, { policyId })).body).toMatchObject({
      policyId,
    });
    const pushed = await socket.waitFor((message) => message['@type'] === 'DevicePolicy');
    expect((pushed['_at'] as number) - assignedAt).toBeLessThan(1000);
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
    const overHttp = await jmapOverHttp(bearer(token), [['Email/query', { accountId }, 'q']]);
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
    const device = await admin('GET', `/admin/accounts/${accountId}/devices/phone`);
    expect(device.body).toMatchObject({
      policyAcknowledged: true,
      acknowledgedPolicy: { policyId, version: 1 },
    });

    const changedAt = performance.now();
    expect(
      (await admin('PUT', `/admin/policies/${policyId}`, { settings: { minPinLength: 8 } })).body,
    ).toMatchObject({ version: 2 });
    const next = await socket.waitFor(
      (message) => message['@type'] === 'DevicePolicy' && (message['policy'] as Json)['version'] === 2,
    );
    expect((next['_at'] as number) - changedAt).toBeLessThan(1000);
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

  it('sends a wipe to a connected device within a second, keeps who asked and when, and ends its tokens once confirmed', async () => {
    const { accountId, address, password } = await newAccount();
    const token = await registeredToken(address, password, 'lost-phone');
    const socket = await connect(bearer(token));
    await socket.request([['Core/echo', {}, 'e']]);

    const requestedAt = performance.now();
    const requested = await admin('POST', `/admin/accounts/${accountId}/devices/lost-phone/wipe`, {
      kind: 'full',
      requestedBy: 'helpdesk-7',
    });
    expect(requested.status).toBe(202);
    const command = await socket.waitFor((message) => message['@type'] === 'DeviceWipe');
    expect((command['_at'] as number) - requestedAt).toBeLessThan(1000);
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

    expect((await fetch(`${pushUrl}/.well-known/jmap`, { headers: bearer(token) })).status).toBe(401);
    const record = await admin('GET', `/admin/wipes/${String(requested.body['wipeId'])}`);
    expect(record.body).toMatchObject({
      status: 'confirmed',
      kind: 'full',
      requestedBy: 'helpdesk-7',
      deviceId: 'lost-phone',
    });
    expect(Date.parse(record.body['confirmedAt'] as string)).toBeGreaterThanOrEqual(
      Date.parse(record.body['requestedAt'] as string),
    );
    expect((await admin('GET', `/admin/accounts/${accountId}/devices/lost-phone`)).body).toMatchObject({
      status: 'wiped',
      liveTokens: 0,
    });
    expect((await register(address, password, { deviceId: 'lost-phone' })).body).toMatchObject({
      error: 'device_wiped',
    });
  });

  it('gives an offline device the wipe command first thing when it connects, before any mail', async () => {
    const { accountId, address, password } = await newAccount();
    const token = await registeredToken(address, password, 'drawer-phone');
    await deliver(address, 'secret before the wipe');
    const requested = await admin('POST', `/admin/accounts/${accountId}/devices/drawer-phone/wipe`, {
      kind: 'account',
      requestedBy: 'security',
    });
    expect(requested.status).toBe(202);

    const socket = await connect(bearer(token));
    const command = await socket.waitFor((message) => message['@type'] === 'DeviceWipe');
    expect(socket.received[0]).toBe(command);
    expect(command).toMatchObject({ wipeId: requested.body['wipeId'], kind: 'account' });
    socket.enablePush('0');
    await deliver(address, 'arrives while the wipe is pending');
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

  it('disconnects a device blocked while connected within a second, with the reason, and refuses it at connect', async () => {
    const { accountId, address, password } = await newAccount();
    const token = await registeredToken(address, password, 'desk-phone');
    const socket = await connect(bearer(token));
    const passwordClient = await connect(basic(address, password, 'desk-laptop'));

    const blockedAt = performance.now();
    expect(
      (await admin('PUT', `/admin/accounts/${accountId}/devices/desk-phone/access`, { access: 'blocked' }))
        .status,
    ).toBe(200);
    const closed = await socket.waitForClose(2000);
    expect(closed.at - blockedAt).toBeLessThan(1000);
    expect(closed).toMatchObject({ code: 4003 });
    expect(closed.reason).toMatch(/blocked/);
    expect(passwordClient.closeInfo).toBeUndefined();

    const again = await refusedUpgrade(bearer(token));
    expect(again.status).toBe(403);
    expect(again.body).toContain('always blocked');

    const removedAt = performance.now();
    expect((await admin('DELETE', `/admin/accounts/${accountId}/devices/desk-laptop`)).status).toBe(204);
    const removed = await passwordClient.waitForClose(2000);
    expect(removed.at - removedAt).toBeLessThan(1000);
    expect(removed.reason).toMatch(/removed/);
  });

  it('rotates a device token with no overlap: the old token is refused at once, the new one works at once', async () => {
    const { address, password } = await newAccount();
    const oldToken = await registeredToken(address, password, 'rotating-phone');
    const socket = await connect(bearer(oldToken));

    const rotated = await fetch(`${pushUrl}/jmap/device/token`, {
      method: 'POST',
      headers: bearer(oldToken),
    });
    expect(rotated.status).toBe(200);
    const { token: newToken } = (await rotated.json()) as { token: string };
    expect(newToken).toMatch(/^pmd_/);
    expect(newToken).not.toBe(oldToken);
    expect((await fetch(`${pushUrl}/.well-known/jmap`, { headers: bearer(oldToken) })).status).toBe(401);
    expect((await fetch(`${pushUrl}/.well-known/jmap`, { headers: bearer(newToken) })).status).toBe(200);
    const closed = await socket.waitForClose(2000);
    expect(closed.reason).toMatch(/revoked/);

    // The registry's own rotation endpoint behaves alike.
    const viaRegistry = await fetch(`${platform.registryUrl}/v1/devices/token`, {
      method: 'POST',
      headers: bearer(newToken),
    });
    expect(viaRegistry.status).toBe(200);
    expect(
      (await fetch(`${platform.registryUrl}/v1/devices/token`, { method: 'POST', headers: bearer(newToken) }))
        .status,
    ).toBe(401);
  });

  it('slows repeated failed sign-ins, then locks the account for a while, visibly to the administrator', async () => {
    const { accountId, address, password } = await newAccount();
    const started = performance.now();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await register(address, `wrong-${attempt}`, { deviceId: 'phone' })).status);
    }
    const elapsed = performance.now() - started;
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // 1x, 2x, 4x, 8x, 16x the base delay: slower with every failure.
    expect(elapsed).toBeGreaterThanOrEqual(FAILURE_DELAY_MS * 31);

    const locked = await register(address, password, { deviceId: 'phone' });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: 'account_locked' });
    expect(locked.body['message']).toMatch(/ask an administrator to unlock it/);
    const viaPush = await fetch(`${pushUrl}/.well-known/jmap`, {
      headers: basic(address, password, 'laptop'),
    });
    expect(viaPush.status).toBe(429);
    expect(Number(viaPush.headers.get('retry-after'))).toBeGreaterThan(0);

    const account = await admin('GET', `/admin/accounts/${accountId}`);
    expect(Date.parse(account.body['lockedUntil'] as string)).toBeGreaterThan(Date.now() + 10 * 60_000);
    const lockedList = await admin('GET', '/admin/accounts?locked=true&limit=200');
    expect((lockedList.body['accounts'] as Json[]).map((entry) => entry['accountId'])).toContain(accountId);

    expect((await admin('POST', `/admin/accounts/${accountId}/unlock`)).body).toMatchObject({
      lockedUntil: null,
      failedSignIns: 0,
    });
    expect((await register(address, password, { deviceId: 'phone' })).status).toBe(201);
  });

  it('publishes each device event on pushmail.device.event.v1, keyed by the account', async () => {
    const { accountId, address, password } = await newAccount();
    await registeredToken(address, password, 'evented');
    await admin('PUT', `/admin/accounts/${accountId}/devices/evented/access`, { access: 'blocked' });
    await admin('PUT', `/admin/accounts/${accountId}/devices/evented/access`, { access: 'allowed' });
    await admin('POST', `/admin/accounts/${accountId}/devices/evented/wipe`, {
      kind: 'account',
      requestedBy: 'auditor',
    });
    await admin('DELETE', `/admin/accounts/${accountId}/devices/evented`);

    const events = await readDeviceEvents(accountId, 6);
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
          PUSHMAIL_REGISTRY_URL: platform.registryUrl,
          PUSHMAIL_ADMIN_TOKEN: platform.adminToken,
        },
      });
      return stdout;
    };
    const address = `cli-${randomUUID().slice(0, 8)}@example.com`;
    const created = JSON.parse(
      await cli('accounts', 'create', address, '--password', 'correct horse battery'),
    ) as Json;
    expect(created['address']).toBe(address);
    await registeredToken(address, 'correct horse battery', 'cli-phone');

    expect(await cli('devices', 'list', address)).toMatch(
      /cli-phone\s+phone\s+Pixel 10\s+allowed\s+organisation default: allowed/,
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
    expect((await fetch(`${platform.registryUrl}/admin/openapi.json`)).status).toBe(401);
    const document = await admin('GET', '/admin/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body['openapi']).toBe('3.1.0');
    expect(Object.keys(document.body['paths'] as Json)).toContain(
      '/admin/accounts/{accountId}/devices/{deviceId}/wipe',
    );
  });
});

async function readDeviceEvents(accountId: string, count: number): Promise<DeviceEventV1[]> {
  const kafka = createKafka({
    brokers: kafkaBrokers.split(','),
    clientId: 'device-management-e2e',
    logger: createLogger('e2e', 'error'),
  });
  const consumer = kafka.consumer({ groupId: `device-management-e2e-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const events: DeviceEventV1[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [deviceEventTopic.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== accountId) return;
        const decoded = decodeEvent(deviceEventTopic, message.value);
        if (decoded.ok) events.push(decoded.event);
      },
    });
    await expectEventually(() => expect(events.length).toBeGreaterThanOrEqual(count), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}

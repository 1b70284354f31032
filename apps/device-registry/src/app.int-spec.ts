import 'reflect-metadata';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type AccountSnapshotV1,
  accountTopic,
  decodeEvent,
  type DeviceCredentialsV1,
  deviceCredentialsTopic,
} from '@pushmail/contracts';
import { createKafka, createLogger } from '@pushmail/platform';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import {
  expectEventually,
  listenWithOwnDatabase,
  requiredEnv,
  type ServiceWithDatabase,
} from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from './app.module.js';
import { registryService } from './service.js';

const KAFKA_BROKERS = requiredEnv('KAFKA_BROKERS');
const ADMIN_TOKEN = `int-admin-${randomBytes(24).toString('base64url')}`;
const INTERNAL_TOKEN = `int-internal-${randomBytes(24).toString('base64url')}`;
const SESSION_URL = 'http://localhost:8080/.well-known/jmap';
const DEVICE_LIMIT = 2;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe(AppModule.name, () => {
  let service: ServiceWithDatabase;
  let baseUrl: string;
  let db: pg.Client;

  beforeAll(async () => {
    service = await listenWithOwnDatabase(registryService, {
      ADMIN_TOKEN,
      MAX_DEVICES_PER_ACCOUNT: String(DEVICE_LIMIT),
      SIGN_IN_FAILURE_DELAY_MS: '10',
      PUBLIC_JMAP_URL: SESSION_URL,
      INTERNAL_TOKEN,
    });
    ({ baseUrl, db } = service);
  });

  afterAll(async () => {
    await service?.close();
  });

  const adminPost = (path: string, body: unknown, token = ADMIN_TOKEN) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const adminRequest = (method: string, path: string) =>
    fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const register = (body: Record<string, unknown>) =>
    fetch(`${baseUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deviceType: 'phone', model: 'Pixel 10', ...body }),
    });

  /** The digests of the device's tokens that are not revoked. */
  async function liveTokensOf(accountId: string, deviceId: string): Promise<string[]> {
    const result = await db.query<{ token_sha256: string }>(
      `SELECT token_sha256 FROM registry.device_tokens
        WHERE account_id = $1 AND device_id = $2 AND revoked_at IS NULL`,
      [accountId, deviceId],
    );
    return result.rows.map((row) => row.token_sha256);
  }

  async function createAccount(password = 'correct horse'): Promise<{ accountId: string; address: string }> {
    const address = `user-${randomUUID()}@example.org`;
    const response = await adminPost('/admin/accounts', { address, password });
    expect(response.status).toBe(201);
    return (await response.json()) as { accountId: string; address: string };
  }

  it('is ready once Postgres and the Kafka producer are', async () => {
    const response = await fetch(`${baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { postgres: true, 'kafka-producer': true },
    });
  });

  it('keeps no device trail: it moved to the operations service', async () => {
    const { rows } = await db.query<{ trail: string | null }>(
      "SELECT to_regclass('registry.device_trail')::text AS trail",
    );
    expect(rows[0]?.trail).toBeNull();
  });

  it('creates an account with a lower-cased address and an argon2id password hash', async () => {
    const mixedCase = `New.User-${randomUUID()}@Example.ORG`;
    const response = await adminPost('/admin/accounts', {
      address: mixedCase,
      password: 'correct horse',
      displayName: 'New',
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { accountId: string; address: string };
    expect(body.address).toBe(mixedCase.toLowerCase());

    const { rows } = await db.query<{ address: string; password_hash: string; revision: string }>(
      'SELECT address, password_hash, revision FROM registry.accounts WHERE id = $1',
      [body.accountId],
    );
    expect(rows[0]?.address).toBe(mixedCase.toLowerCase());
    expect(rows[0]?.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(rows[0]?.revision).toBe('1');
  });

  it('answers 409 for an address that already has an account, whatever its case', async () => {
    const { address } = await createAccount();
    const response = await adminPost('/admin/accounts', {
      address: address.toUpperCase(),
      password: 'another one',
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'address_taken' });
  });

  it('answers 401 to admin calls without the admin token or with a wrong one', async () => {
    const missing = await fetch(`${baseUrl}/admin/accounts`);
    expect(missing.status).toBe(401);
    const wrong = await adminPost(
      '/admin/accounts',
      { address: 'x@example.org', password: '12345678' },
      `${ADMIN_TOKEN}x`,
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: 'unauthorized',
      message: 'a valid admin bearer token is required',
    });
  });

  it('serves at /admin/openapi.json exactly the generated document committed as openapi.json', async () => {
    const committed = JSON.parse(
      readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'),
    ) as unknown;
    const response = await adminRequest('GET', '/admin/openapi.json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(committed);
  });

  it('answers in the shapes its OpenAPI document gives', async () => {
    const document = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8')) as object;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...document, $id: 'openapi' });
    const expectShape = async (response: Response, schema: string) => {
      const validate = ajv.compile({ $ref: `openapi#/components/schemas/${schema}` });
      const body: unknown = await response.json();
      expect(validate(body), `${schema}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    };
    const { accountId, address } = await createAccount();
    const registered = await register({ address, password: 'correct horse', deviceId: 'shape-phone' });
    expect(registered.status).toBe(201);
    await expectShape(registered, 'Registration');
    await expectShape(await adminRequest('GET', `/admin/accounts/${accountId}`), 'Account');
    await expectShape(await adminRequest('GET', '/admin/accounts?limit=2'), 'AccountPage');
    await expectShape(
      await adminRequest('GET', `/admin/accounts/${accountId}/devices/shape-phone`),
      'Device',
    );
    await expectShape(await adminRequest('GET', `/admin/devices?accountId=${accountId}`), 'DevicePage');
    await expectShape(await adminRequest('GET', '/admin/settings'), 'Settings');
    await expectShape(await adminRequest('GET', '/admin/accounts/not-a-uuid'), 'Error');
  });

  it('answers 400 with a clear message to malformed JSON and invalid input', async () => {
    const malformed = await fetch(`${baseUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"address": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: 'invalid_request',
      message: 'the request body is not valid JSON',
    });

    const shortPassword = await adminPost('/admin/accounts', {
      address: 'short@example.org',
      password: 'short',
    });
    expect(shortPassword.status).toBe(400);
    expect(((await shortPassword.json()) as { message: string }).message).toMatch(/^password: /);

    const badDevice = await register({
      address: 'a@example.org',
      password: 'x',
      deviceId: 'no spaces allowed',
    });
    expect(badDevice.status).toBe(400);
    expect(((await badDevice.json()) as { message: string }).message).toMatch(/deviceId/);

    // The process survived all of it.
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
  });

  it('answers a 400 problem, never a 500, to control characters in any admin or device string', async () => {
    const { accountId } = await createAccount();
    const attempts = [
      adminPost('/admin/accounts', {
        address: `nul-${randomUUID()}@example.org`,
        password: 'a long enough password',
        displayName: 'Eve\u0000',
      }),
      adminPost('/admin/access/rules', { matchField: 'model', pattern: 'Bad\u0001*', access: 'blocked' }),
      adminPost('/admin/policies', { name: 'p\u001b[31m' }),
      adminRequest('GET', `/admin/accounts?cursor=${encodeURIComponent('a\u0000')}`),
      adminRequest('GET', `/admin/accounts/${accountId}/devices/x%00y`),
      register({ address: 'a@example.org', password: 'x', deviceId: 'phone-1', model: 'Pixel\u0000' }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        type: 'about:blank',
        status: 400,
        error: 'invalid_request',
        message: expect.stringMatching(/must not contain control characters/),
      });
    }
    const { rows } = await db.query("SELECT 1 FROM registry.accounts WHERE address LIKE 'nul-%'");
    expect(rows).toEqual([]);
  });

  it('registers a device and refreshes the same partnership when it registers again', async () => {
    const { accountId, address } = await createAccount();
    const first = await register({
      address,
      password: 'correct horse',
      deviceId: 'phone-1',
      os: 'Android 17',
    });
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as {
      accountId: string;
      deviceId: string;
      token: string;
      sessionUrl: string;
    };
    expect(firstBody).toMatchObject({ accountId, deviceId: 'phone-1', sessionUrl: SESSION_URL });
    expect(firstBody.token).toMatch(/^pmd_[A-Za-z0-9_-]{43}$/);

    const again = await register({
      address: address.toUpperCase(),
      password: 'correct horse',
      deviceId: 'phone-1',
      model: 'Pixel 11',
    });
    expect(again.status).toBe(200);
    const againBody = (await again.json()) as { accountId: string; token: string };
    expect(againBody.accountId).toBe(accountId);
    expect(againBody.token).not.toBe(firstBody.token);

    const devices = await adminRequest('GET', `/admin/accounts/${accountId}/devices`);
    expect(devices.status).toBe(200);
    const listed = (await devices.json()) as {
      devices: { deviceId: string; model: string; liveTokens: number; lastSeenAddress: string }[];
    };
    expect(listed.devices).toHaveLength(1);
    expect(listed.devices[0]).toMatchObject({
      deviceId: 'phone-1',
      model: 'Pixel 11',
      liveTokens: 1,
      lastSeenAddress: '127.0.0.1',
    });

    const { rows } = await db.query<{ token_sha256: string; revoked: boolean }>(
      'SELECT token_sha256, revoked_at IS NOT NULL AS revoked FROM registry.device_tokens WHERE account_id = $1',
      [accountId],
    );
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => !row.revoked)?.token_sha256).toBe(sha256(againBody.token));
    expect(rows.find((row) => row.revoked)?.token_sha256).toBe(sha256(firstBody.token));
    // Only digests are stored: no column anywhere holds the token itself.
    const { rows: leaks } = await db.query(
      `SELECT 1 FROM registry.device_tokens t JOIN registry.devices d USING (account_id, device_id)
        WHERE t.token_sha256 = $1 OR d::text LIKE '%' || $1 || '%'`,
      [againBody.token],
    );
    expect(leaks).toHaveLength(0);
  });

  it('answers invalid_credentials alike for a wrong password and an unknown address', async () => {
    const { address } = await createAccount();
    const wrongPassword = await register({ address, password: 'not the password', deviceId: 'phone-1' });
    const unknownAddress = await register({
      address: `nobody-${randomUUID()}@example.org`,
      password: 'x',
      deviceId: 'phone-1',
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownAddress.status).toBe(401);
    expect(await wrongPassword.json()).toEqual({ error: 'invalid_credentials' });
    expect(await unknownAddress.json()).toEqual({ error: 'invalid_credentials' });
  });

  it('refuses a device over the limit until an administrator removes one', async () => {
    const { accountId, address } = await createAccount();
    for (const deviceId of ['phone', 'tablet']) {
      expect((await register({ address, password: 'correct horse', deviceId })).status).toBe(201);
    }
    const refused = await register({ address, password: 'correct horse', deviceId: 'laptop' });
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: string; limit: number; message: string };
    expect(body.error).toBe('device_limit_reached');
    expect(body.limit).toBe(DEVICE_LIMIT);
    expect(body.message).toContain(`already has ${DEVICE_LIMIT} devices`);
    expect(body.message).toContain(`DELETE /admin/accounts/${accountId}/devices/:deviceId`);

    // An existing partnership is never counted as an extra device.
    expect((await register({ address, password: 'correct horse', deviceId: 'tablet' })).status).toBe(200);

    expect((await adminRequest('DELETE', `/admin/accounts/${accountId}/devices/phone`)).status).toBe(204);
    expect((await register({ address, password: 'correct horse', deviceId: 'laptop' })).status).toBe(201);
  });

  it('holds the device limit when devices register at the same time', async () => {
    const { accountId, address } = await createAccount();
    const deviceIds = Array.from({ length: 16 }, (_, index) => `device-${index}`);
    const statuses = await Promise.all(
      [...deviceIds, 'device-0', 'device-0'].map(
        async (deviceId) => (await register({ address, password: 'correct horse', deviceId })).status,
      ),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(DEVICE_LIMIT);
    // A repeated id either refreshed a partnership that won (200) or was refused with the rest (403).
    expect(statuses.every((status) => status === 201 || status === 200 || status === 403)).toBe(true);
    const { rows } = await db.query<{ count: string }>(
      'SELECT count(*) FROM registry.devices WHERE account_id = $1',
      [accountId],
    );
    expect(Number(rows[0]!.count)).toBe(DEVICE_LIMIT);
    const { rows: live } = await db.query<{ device_id: string; live: string }>(
      `SELECT device_id, count(*) AS live FROM registry.device_tokens
        WHERE account_id = $1 AND revoked_at IS NULL GROUP BY device_id`,
      [accountId],
    );
    expect(live.map((row) => Number(row.live))).toEqual(Array(DEVICE_LIMIT).fill(1));
  });

  it('lists accounts page by page', async () => {
    await createAccount();
    await createAccount();
    const first = await adminRequest('GET', '/admin/accounts?limit=1');
    expect(first.status).toBe(200);
    const page = (await first.json()) as { accounts: { address: string }[]; nextCursor: string | null };
    expect(page.accounts).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const second = await adminRequest('GET', `/admin/accounts?limit=1&cursor=${page.nextCursor}`);
    const next = (await second.json()) as { accounts: { address: string }[] };
    expect(next.accounts).toHaveLength(1);
    expect(next.accounts[0]!.address > page.accounts[0]!.address).toBe(true);
  });

  it("publishes the account's latest snapshots to Kafka, without the revoked token", async () => {
    const { accountId, address } = await createAccount();
    const first = (await (
      await register({ address, password: 'correct horse', deviceId: 'phone-1' })
    ).json()) as { token: string };
    const second = (await (
      await register({ address, password: 'correct horse', deviceId: 'phone-1' })
    ).json()) as { token: string };
    const { rows } = await db.query<{ revision: string; published_revision: string }>(
      'SELECT revision, published_revision FROM registry.accounts WHERE id = $1',
      [accountId],
    );
    const revision = Number(rows[0]!.revision);
    expect(revision).toBe(3);

    const seen = await readSnapshots(accountId, async (snapshots) => {
      expect(snapshots.account?.revision).toBe(revision);
      expect(snapshots.credentials?.revision).toBe(revision);
    });
    expect(seen.account).toMatchObject({ accountId, address, status: 'active' });
    expect(seen.credentials).toMatchObject({ accountId, accountStatus: 'active' });
    expect(seen.credentials!.devices).toEqual([
      {
        deviceId: 'phone-1',
        tokenSha256: [sha256(second.token)],
        access: 'allowed',
        accessRule: 'organisation default: allowed',
        status: 'active',
        acknowledgedPolicy: null,
        pendingWipe: null,
      },
    ]);
    expect(JSON.stringify(seen.credentials)).not.toContain(sha256(first.token));

    await expectEventually(async () => {
      const { rows: after } = await db.query<{ published_revision: string }>(
        'SELECT published_revision FROM registry.accounts WHERE id = $1',
        [accountId],
      );
      expect(Number(after[0]!.published_revision)).toBe(revision);
    });
  });

  it('decides existing partnerships again when a rule is added or removed, naming the rule', async () => {
    const { accountId, address } = await createAccount();
    const model = `Rule Target ${randomUUID().slice(0, 6)}`;
    expect((await register({ address, password: 'correct horse', deviceId: 'target', model })).status).toBe(
      201,
    );
    const created = await adminPost('/admin/access/rules', {
      matchField: 'model',
      pattern: model,
      access: 'blocked',
    });
    expect(created.status).toBe(201);
    const rule = (await created.json()) as { ruleId: string };

    const device = async () =>
      (await (await adminRequest('GET', `/admin/accounts/${accountId}/devices/target`)).json()) as {
        access: string;
        accessSource: string;
        accessRuleId: string | null;
        accessReason: string;
      };
    expect(await device()).toMatchObject({
      access: 'blocked',
      accessSource: 'rule',
      accessRuleId: rule.ruleId,
    });
    const { rows } = await db.query<{ revision: string; published_revision: string }>(
      'SELECT revision, published_revision FROM registry.accounts WHERE id = $1',
      [accountId],
    );
    expect(rows[0]!.published_revision).toBe(rows[0]!.revision);

    expect((await adminRequest('DELETE', `/admin/access/rules/${rule.ruleId}`)).status).toBe(204);
    expect(await device()).toMatchObject({
      access: 'allowed',
      accessSource: 'default',
      accessReason: 'organisation default: allowed',
    });
  });

  it('mints no token for a blocked or wipe-pending device, so the token it holds is the one that works once allowed', async () => {
    const { accountId, address } = await createAccount();
    const registered = (await (
      await register({ address, password: 'correct horse', deviceId: 'held-phone' })
    ).json()) as { token: string };
    const rotate = (token: string) =>
      fetch(`${baseUrl}/v1/devices/token`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const devicePath = `/admin/accounts/${accountId}/devices/held-phone`;
    const put = (path: string, body: unknown) =>
      fetch(`${baseUrl}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify(body),
      });

    expect((await put(`${devicePath}/access`, { access: 'blocked', note: 'lost' })).status).toBe(200);
    const whileBlocked = await rotate(registered.token);
    expect(whileBlocked.status).toBe(403);
    expect(whileBlocked.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const blockedBody = (await whileBlocked.json()) as Record<string, unknown>;
    expect(blockedBody).toMatchObject({ type: 'about:blank', status: 403, error: 'device_blocked' });
    expect(blockedBody).not.toHaveProperty('token');
    expect(await liveTokensOf(accountId, 'held-phone')).toEqual([sha256(registered.token)]);

    expect((await adminRequest('DELETE', `${devicePath}/access`)).status).toBeLessThan(300);
    const wipe = await adminPost(`${devicePath}/wipe`, { kind: 'account', requestedBy: 'helpdesk' });
    expect(wipe.status).toBe(202);
    const whileWipePending = await rotate(registered.token);
    expect(whileWipePending.status).toBe(403);
    expect(await whileWipePending.json()).toMatchObject({ status: 403, error: 'wipe_pending' });
    expect(await liveTokensOf(accountId, 'held-phone')).toEqual([sha256(registered.token)]);

    expect((await adminRequest('DELETE', `${devicePath}/wipe`)).status).toBeLessThan(300);
    const allowed = await rotate(registered.token);
    expect(allowed.status).toBe(200);
    const { token } = (await allowed.json()) as { token: string };
    expect(await liveTokensOf(accountId, 'held-phone')).toEqual([sha256(token)]);
  });

  it('refuses a registration of a blocked or wipe-pending device as a rotation does, minting no token', async () => {
    const { accountId, address } = await createAccount();
    const registerAgain = () => register({ address, password: 'correct horse', deviceId: 'rereg-phone' });
    const first = await registerAgain();
    expect(first.status).toBe(201);
    const { token } = (await first.json()) as { token: string };
    const devicePath = `/admin/accounts/${accountId}/devices/rereg-phone`;

    const wipe = await adminPost(`${devicePath}/wipe`, { kind: 'full', requestedBy: 'helpdesk' });
    expect(wipe.status).toBe(202);
    const whileWipePending = await registerAgain();
    expect(whileWipePending.status).toBe(403);
    expect(whileWipePending.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const pendingBody = (await whileWipePending.json()) as Record<string, unknown>;
    expect(pendingBody).toMatchObject({ type: 'about:blank', status: 403, error: 'wipe_pending' });
    expect(pendingBody).not.toHaveProperty('token');
    expect(await liveTokensOf(accountId, 'rereg-phone')).toEqual([sha256(token)]);

    expect((await adminRequest('DELETE', `${devicePath}/wipe`)).status).toBeLessThan(300);
    const blocked = await fetch(`${baseUrl}${devicePath}/access`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ access: 'blocked', note: 'lost' }),
    });
    expect(blocked.status).toBe(200);
    const whileBlocked = await registerAgain();
    expect(whileBlocked.status).toBe(403);
    expect(await whileBlocked.json()).toMatchObject({ status: 403, error: 'device_blocked' });
    expect(await liveTokensOf(accountId, 'rereg-phone')).toEqual([sha256(token)]);

    expect((await adminRequest('DELETE', `${devicePath}/access`)).status).toBeLessThan(300);
    const allowed = await registerAgain();
    expect(allowed.status).toBe(200);
    const renewed = (await allowed.json()) as { token: string };
    expect(await liveTokensOf(accountId, 'rereg-phone')).toEqual([sha256(renewed.token)]);
  });

  it('lets a quarantined device rotate its token, as it lets one register', async () => {
    const { address } = await createAccount();
    const model = `Quarantined ${randomUUID().slice(0, 6)}`;
    const rule = await adminPost('/admin/access/rules', {
      matchField: 'model',
      pattern: model,
      access: 'quarantined',
    });
    expect(rule.status).toBe(201);
    const registered = await register({ address, password: 'correct horse', deviceId: 'kiosk', model });
    expect(registered.status).toBe(201);
    const { token, access } = (await registered.json()) as { token: string; access: string };
    expect(access).toBe('quarantined');

    const rotated = await fetch(`${baseUrl}/v1/devices/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rotated.status).toBe(200);
    expect(((await rotated.json()) as { token: string }).token).not.toBe(token);
    const { ruleId } = (await rule.json()) as { ruleId: string };
    expect((await adminRequest('DELETE', `/admin/access/rules/${ruleId}`)).status).toBe(204);
  });

  it('refuses to delete a policy in use and keeps each version change', async () => {
    const { accountId } = await createAccount();
    const created = await adminPost('/admin/policies', {
      name: `p-${randomUUID()}`,
      settings: { pinRequired: true },
    });
    expect(created.status).toBe(201);
    const policy = (await created.json()) as {
      policyId: string;
      version: number;
      settings: Record<string, unknown>;
    };
    expect(policy).toMatchObject({
      version: 1,
      settings: { pinRequired: true, minPinLength: 0, syncWindowDays: null },
    });
    const assigned = await fetch(`${baseUrl}/admin/accounts/${accountId}/policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ policyId: policy.policyId }),
    });
    expect(assigned.status).toBe(200);
    const refused = await adminRequest('DELETE', `/admin/policies/${policy.policyId}`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'policy_in_use' });
  });

  it('keeps the internal API behind INTERNAL_TOKEN and applies the lockout to password sign-ins there too', async () => {
    const { address } = await createAccount();
    const internal = (body: unknown, token = INTERNAL_TOKEN) =>
      fetch(`${baseUrl}/internal/v1/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const signIn = {
      address,
      password: 'correct horse',
      deviceId: 'client-1',
      deviceType: 'jmap-client',
      model: 'Mail',
    };
    expect((await internal(signIn, ADMIN_TOKEN)).status).toBe(401);
    const ok = await internal(signIn);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ deviceId: 'client-1', access: 'allowed', created: true });

    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await internal({ ...signIn, password: `wrong ${attempt}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const locked = await internal(signIn);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
  });

  it('confirms a live token by its digest with the revision that lists it, and refuses a revoked, wiped-away or disabled one', async () => {
    const { accountId, address } = await createAccount();
    const check = (tokenSha256: string, token = INTERNAL_TOKEN) =>
      fetch(`${baseUrl}/internal/v1/devices/token-checks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ tokenSha256 }),
      });
    const first = (await (
      await register({ address, password: 'correct horse', deviceId: 'checked-phone' })
    ).json()) as { token: string };
    const { rows } = await db.query<{ revision: string }>(
      'SELECT revision FROM registry.accounts WHERE id = $1',
      [accountId],
    );
    expect((await check(sha256(first.token), ADMIN_TOKEN)).status).toBe(401);
    const live = await check(sha256(first.token));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({
      accountId,
      deviceId: 'checked-phone',
      revision: Number(rows[0]!.revision),
    });

    // Registering again revokes the first token in the database: it is refused from then on.
    const second = (await (
      await register({ address, password: 'correct horse', deviceId: 'checked-phone' })
    ).json()) as { token: string };
    const revoked = await check(sha256(first.token));
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: 'invalid_token' });
    expect((await check(sha256(second.token))).status).toBe(200);
    expect((await check(sha256(`pmd_${randomBytes(32).toString('base64url')}`))).status).toBe(401);
    expect((await check('not-a-digest')).status).toBe(400);

    await db.query(`UPDATE registry.accounts SET status = 'disabled' WHERE id = $1`, [accountId]);
    expect((await check(sha256(second.token))).status).toBe(401);
    await db.query(`UPDATE registry.accounts SET status = 'active' WHERE id = $1`, [accountId]);
    expect((await check(sha256(second.token))).status).toBe(200);
    await db.query(
      `UPDATE registry.devices SET status = 'wiped' WHERE account_id = $1 AND device_id = 'checked-phone'`,
      [accountId],
    );
    expect((await check(sha256(second.token))).status).toBe(401);
  });

  it('records a blocked standard client at its first password sign-in and refuses it with a 403', async () => {
    const { accountId, address } = await createAccount();
    const exemption = await fetch(`${baseUrl}/admin/accounts/${accountId}/devices/blocked-client/access`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ access: 'blocked', note: 'not this one' }),
    });
    expect(exemption.status).toBe(200);
    const refused = await fetch(`${baseUrl}/internal/v1/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INTERNAL_TOKEN}` },
      body: JSON.stringify({
        address,
        password: 'correct horse',
        deviceId: 'blocked-client',
        deviceType: 'jmap-client',
        model: 'Mail',
      }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ status: 403, error: 'device_blocked' });
    const device = await adminRequest('GET', `/admin/accounts/${accountId}/devices/blocked-client`);
    expect(device.status).toBe(200);
    expect(await device.json()).toMatchObject({ deviceId: 'blocked-client', access: 'blocked' });
  });

  it('lists an ActiveSync device with its protocol, version, last command and heartbeat as the gateway reports them', async () => {
    const { accountId, address } = await createAccount();
    const internal = (path: string, body: unknown) =>
      fetch(`${baseUrl}/internal/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INTERNAL_TOKEN}` },
        body: JSON.stringify(body),
      });
    const base = { address, password: 'correct horse', deviceType: 'iPhone', model: 'iPhone' };
    expect((await internal('/authenticate', { ...base, deviceId: 'eas-phone' })).status).toBe(200);
    expect((await internal('/authenticate', { ...base, deviceId: 'jmap-client' })).status).toBe(200);
    const seenAt = new Date().toISOString();
    const reported = await internal('/devices/activity', {
      sightings: [
        {
          accountId,
          deviceId: 'eas-phone',
          seenAt,
          clientAddress: '192.0.2.7',
          activesync: { protocolVersion: '16.1', lastCommand: 'Ping', heartbeatSeconds: 900 },
        },
        { accountId, deviceId: 'jmap-client', seenAt, clientAddress: null },
      ],
    });
    expect(await reported.json()).toEqual({ updated: 2 });
    const listed = (await (await adminRequest('GET', `/admin/accounts/${accountId}/devices`)).json()) as {
      devices: Array<Record<string, unknown>>;
    };
    const byId = new Map(listed.devices.map((device) => [device['deviceId'], device]));
    expect(byId.get('eas-phone')).toMatchObject({
      protocol: 'activesync',
      protocolVersion: '16.1',
      lastCommand: 'Ping',
      heartbeatSeconds: 900,
      lastSeenAddress: '192.0.2.7',
    });
    expect(byId.get('eas-phone')!['lastCommandAt']).toEqual(expect.any(String));
    expect(byId.get('jmap-client')).toMatchObject({
      protocol: 'jmap',
      protocolVersion: null,
      lastCommand: null,
      heartbeatSeconds: null,
    });
    // A later report without a heartbeat keeps the last one; nonsense is refused.
    await internal('/devices/activity', {
      sightings: [
        {
          accountId,
          deviceId: 'eas-phone',
          seenAt: new Date().toISOString(),
          clientAddress: null,
          activesync: { protocolVersion: '16.1', lastCommand: 'Sync', heartbeatSeconds: null },
        },
      ],
    });
    const one = (await (
      await adminRequest('GET', `/admin/accounts/${accountId}/devices/eas-phone`)
    ).json()) as Record<string, unknown>;
    expect(one).toMatchObject({ lastCommand: 'Sync', heartbeatSeconds: 900 });
    const bad = await internal('/devices/activity', {
      sightings: [
        {
          accountId,
          deviceId: 'eas-phone',
          seenAt,
          clientAddress: null,
          activesync: { protocolVersion: '16.1; DROP', lastCommand: 'Ping', heartbeatSeconds: 9 },
        },
      ],
    });
    expect(bad.status).toBe(400);
  });

  it('republishes through the relay an account whose snapshot never reached Kafka', async () => {
    const { accountId, address } = await createAccount();
    await register({ address, password: 'correct horse', deviceId: 'watch' });
    // As if the process had died between the commit and the publish.
    const { rows } = await db.query<{ revision: string }>(
      `UPDATE registry.accounts SET revision = revision + 1, updated_at = clock_timestamp()
        WHERE id = $1 RETURNING revision`,
      [accountId],
    );
    const revision = Number(rows[0]!.revision);
    await readSnapshots(accountId, async (snapshots) => {
      expect(snapshots.account?.revision).toBe(revision);
      expect(snapshots.credentials?.revision).toBe(revision);
    });
  });
});

interface SeenSnapshots {
  account?: AccountSnapshotV1;
  credentials?: DeviceCredentialsV1;
}

/** Reads both snapshot topics from the start with a fresh group until `check` passes. */
async function readSnapshots(
  accountId: string,
  check: (seen: SeenSnapshots) => Promise<void>,
): Promise<SeenSnapshots> {
  const kafka = createKafka({
    brokers: KAFKA_BROKERS.split(','),
    clientId: 'device-registry-int-spec',
    logger: createLogger('device-registry-int-spec', 'error'),
  });
  const consumer: Consumer = kafka.consumer({
    groupId: `device-registry-int-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const seen: SeenSnapshots = {};
  await consumer.connect();
  try {
    await consumer.subscribe({
      topics: [accountTopic.name, deviceCredentialsTopic.name],
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (message.key?.toString() !== accountId) return;
        if (topic === accountTopic.name) {
          const decoded = decodeEvent(accountTopic, message.value);
          if (decoded.ok && decoded.event.revision >= (seen.account?.revision ?? -1))
            seen.account = decoded.event;
        } else {
          const decoded = decodeEvent(deviceCredentialsTopic, message.value);
          if (decoded.ok && decoded.event.revision >= (seen.credentials?.revision ?? -1))
            seen.credentials = decoded.event;
        }
      },
    });
    await expectEventually(() => check(seen), { timeoutMs: 30_000 });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

import { CORE_CAPABILITY, MAIL_CAPABILITY } from '@pushmail/jmap';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createTcpServer, connect, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceClient, expectEventually, freePort } from '@pushmail/testing';
import {
  connectWhenKnown,
  deliver,
  newAccount as newAccountOf,
  useSuitePlatform,
} from './support/e2e-platform.js';
import {
  eventuallyFinding as eventuallyFindingOf,
  findingsOf as findingsOfDevice,
  operationsAdmin,
  type AdminCall,
  type Diagnosis,
  type Finding,
} from './support/operations-admin.js';

const PING_INTERVAL_MS = 3000;
/**
 * The proxy's idle timeout: shorter than the ping interval, as a misconfigured NAT or load balancer,
 * and over the second below which a connection's end is the client's own drop, not an idle cut.
 */
const PROXY_IDLE_MS = 1200;

interface Hop {
  name: string;
  ok: boolean;
  ms: number | null;
  detail: string;
}
interface SelfTestReport {
  ok: boolean;
  stoppedAt: string | null;
  diagnosis: string;
  hops: Hop[];
}

describe('device diagnostics: trail, findings and the self-test', () => {
  const suite = useSuitePlatform('diagnostics', async () => {
    const [smtp, push] = [await freePort(), await freePort()];
    return {
      mailDomains: ['example.com'],
      ports: { smtp, push },
      serviceEnv: {
        // Folds of pushes go out within a flush or two, so that pushes never fetched show quickly.
        'push-delivery': {
          WS_PING_INTERVAL_MS: String(PING_INTERVAL_MS),
          TRAIL_FLUSH_MS: '100',
          TRAIL_FOLD_MS: '200',
        },
        'device-registry': {
          MAX_DEVICES_PER_ACCOUNT: '3',
          SIGN_IN_LOCKOUT_THRESHOLD: '3',
          SIGN_IN_FAILURE_DELAY_MS: '0',
        },
        operations: {
          MAX_DEVICES_PER_ACCOUNT: '3',
          DIAG_FETCH_GRACE_MS: '500',
          SELFTEST_SMTP_HOST: '127.0.0.1',
          SELFTEST_SMTP_PORT: String(smtp),
          SELFTEST_JMAP_WS_URL: `ws://127.0.0.1:${push}/jmap/ws`,
        },
      },
    };
  });
  let proxy: IdleCuttingProxy;
  let admin: AdminCall;

  beforeAll(async () => {
    admin = operationsAdmin(suite.platform);
    proxy = await IdleCuttingProxy.start(suite.platform.ports.push, PROXY_IDLE_MS);
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  const newAccount = () => newAccountOf(suite.registry, { prefix: 'diag' });

  const findingsOf = (accountId: string, deviceId: string) => findingsOfDevice(admin, accountId, deviceId);
  const eventuallyFinding = (
    accountId: string,
    deviceId: string,
    code: string,
    until?: (finding: Finding) => boolean,
  ) => eventuallyFindingOf(admin, accountId, deviceId, code, until);

  /** Connects `times` times in a row, each time doing `whileOpen` (if given) and closing again. */
  async function connectTimes(
    token: string,
    times: number,
    whileOpen: (client: DeviceClient) => Promise<unknown> = async () => undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < times; attempt += 1) {
      const client = await connectWhenKnown(suite.platform, token);
      await whileOpen(client);
      client.close();
      await client.waitForClose();
    }
  }

  it('names a middlebox that cuts idle sockets before the first ping, with the observed lifetime and the interval to set', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'cut-phone' });
    const throughProxy = `ws://127.0.0.1:${proxy.port}/jmap/ws`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const client = await connectWhenKnown(throughProxy, device.token);
      await client.waitForClose(5000);
    }
    const finding = await eventuallyFinding(accountId, device.deviceId, 'idleConnectionCut');
    expect(finding.severity).toBe('error');
    expect(finding.evidence['pingIntervalMs']).toBe(PING_INTERVAL_MS);
    expect(finding.evidence['cuts']).toBeGreaterThanOrEqual(2);
    expect(finding.evidence['observedLifetimeMs']).toBeGreaterThanOrEqual(PROXY_IDLE_MS - 50);
    expect(finding.evidence['observedLifetimeMs']).toBeLessThan(PING_INTERVAL_MS);
    expect(finding.fix).toMatch(/WS_PING_INTERVAL_MS=\d+/);

    const { body } = await admin<{
      records: { kind: string; close?: { by: string; initiator?: string; code: number } }[];
    }>('GET', `/admin/accounts/${accountId}/devices/${device.deviceId}/trail`);
    expect(body.records.filter((record) => record.kind === 'connected').length).toBeGreaterThanOrEqual(3);
    expect(body.records.find((record) => record.kind === 'disconnected')?.close).toMatchObject({
      by: 'network',
      initiator: 'silentCut',
      code: 1006,
    });
  });

  it('reports a device that keeps connecting without acknowledging its policy', async () => {
    const { address, password, accountId } = await newAccount();
    const policyId = await suite.registry.requirePin(accountId);
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'stubborn-phone' });
    await connectTimes(device.token, 2, (client) => client.request([['Core/echo', { hello: true }, 'e']]));
    const finding = await eventuallyFinding(
      accountId,
      device.deviceId,
      'policyNotAcknowledged',
      (candidate) => Number(candidate.evidence['connectsSeen']) >= 2,
    );
    expect(finding.severity).toBe('error');
    expect(finding.evidence['connectsSeen']).toBeGreaterThanOrEqual(2);
    expect(finding.evidence['policy']).toMatchObject({ policyId, version: 1 });
  });

  it('names the rule that quarantined a device, and the partnership limit after a refused registration', async () => {
    const { address, password, accountId } = await newAccount();
    const model = `quarantine-${randomUUID().slice(0, 8)}`;
    const rule = await admin<{ ruleId: string }>('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: model,
      access: 'quarantined',
    });
    expect(rule.status).toBe(201);
    const quarantined = await suite.registry.registerDevice(address, password, {
      deviceId: 'new-phone',
      model,
    });
    await suite.registry.registerDevice(address, password, { deviceId: 'phone-2' });
    await suite.registry.registerDevice(address, password, { deviceId: 'phone-3' });
    await expect(suite.registry.registerDevice(address, password, { deviceId: 'phone-4' })).rejects.toThrow(
      /403/,
    );

    const diagnosis = await findingsOf(accountId, quarantined.deviceId);
    expect(diagnosis.findings.find((finding) => finding.code === 'quarantined')?.evidence).toMatchObject({
      access: 'quarantined',
      ruleId: rule.body.ruleId,
    });
    expect(
      diagnosis.findings.find((finding) => finding.code === 'partnershipLimitReached')?.evidence,
    ).toEqual({ deviceCount: 3, limit: 3 });

    const cli = await promisify(execFile)(
      process.execPath,
      ['tools/admin/cli.mjs', 'findings', accountId, quarantined.deviceId],
      {
        env: {
          ...process.env,
          PUSHMAIL_ADMIN_TOKEN: suite.platform.adminToken,
          PUSHMAIL_ADMIN_URL: suite.platform.operationsUrl,
        },
      },
    );
    expect(cli.stdout).toContain('[warning] Quarantined by');
    expect(cli.stdout).toContain('fix: ');

    const org = await admin<{ devices: Diagnosis[] }>('GET', '/admin/findings?minimum=warning');
    expect(org.status).toBe(200);
    expect(
      org.body.devices.some(
        (entry) => entry.deviceId === quarantined.deviceId && entry.accountId === accountId,
      ),
    ).toBe(true);
  });

  it('reports repeated refused connections of a blocked device', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'blocked-phone' });
    const blocked = await admin('PUT', `/admin/accounts/${accountId}/devices/${device.deviceId}/access`, {
      access: 'blocked',
    });
    expect(blocked.status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectEventually(
        () => expect(DeviceClient.connect(suite.platform.websocketUrl, device.token)).rejects.toThrow(/403/),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
    }
    const finding = await eventuallyFinding(
      accountId,
      device.deviceId,
      'authFailures',
      (candidate) => Number(candidate.evidence['refusedConnections']) >= 3,
    );
    expect(finding.evidence).toMatchObject({ lastStatus: 403 });
    expect(finding.evidence['refusedConnections']).toBeGreaterThanOrEqual(3);
    expect((await findingsOf(accountId, device.deviceId)).findings.map((entry) => entry.code)).toContain(
      'blocked',
    );
  });

  it('reports a client that opens and ends its own connections in a loop as reconnecting abusively, not as a network cut', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'storm-phone' });
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const client = await connectWhenKnown(suite.platform, device.token);
      // Half with a close frame, half dropped with none, as a client killed mid-loop would.
      if (attempt % 2 === 0) client.close();
      else client.terminate();
      await client.waitForClose();
    }
    const finding = await eventuallyFinding(
      accountId,
      device.deviceId,
      'abusiveReconnects',
      (candidate) => Number(candidate.evidence['connectionsEnded']) >= 12,
    );
    expect(finding.severity).toBe('warning');
    expect(finding.evidence).toMatchObject({ closeFrames: 6, droppedWhileActive: 6 });
    const codes = (await findingsOf(accountId, device.deviceId)).findings.map((entry) => entry.code);
    expect(codes).not.toContain('idleConnectionCut');
    expect(codes).not.toContain('reconnectStorm');
  });

  it('reports an account locked after repeated failed sign-ins', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'locked-phone' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(
        suite.registry.registerDevice(address, 'wrong-password', { deviceId: 'locked-phone' }),
      ).rejects.toThrow(/401|429/);
    }
    const finding = await eventuallyFinding(accountId, device.deviceId, 'authFailures');
    expect(finding.severity).toBe('error');
    expect(finding.evidence['lockedUntil']).toEqual(expect.any(String));
    expect(finding.fix).toContain('unlock');
  });

  it('reports pushes a device received but never fetched', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'lazy-phone' });
    const client = await connectWhenKnown(suite.platform, device.token);
    try {
      client.enablePush(undefined, null);
      await client.request([['Core/echo', {}, 'e']]);
      await deliver(suite.platform, address, 'unread', {
        from: 'bob@elsewhere.example',
        text: 'never fetched',
      });
      await client.nextStateChange(10_000);
      const finding = await eventuallyFinding(accountId, device.deviceId, 'pushesNotFetched');
      expect(finding.evidence['pushes']).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });

  it('records JMAP requests over HTTP by method name, with their result and duration', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'http-laptop' });
    const call = (methodCalls: unknown[]) =>
      fetch(`http://${suite.platform.host}:${suite.platform.ports.push}/jmap/api`, {
        method: 'POST',
        headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          using: [CORE_CAPABILITY, MAIL_CAPABILITY],
          methodCalls,
        }),
      });
    // push-delivery learns of the new device from Kafka.
    await expectEventually(async () => expect((await call([['Core/echo', {}, 'e']])).status).toBe(200), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const fetched = await call([
      ['Email/query', { accountId }, 'q'],
      ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 'g'],
    ]);
    expect(fetched.status).toBe(200);
    const unknown = await call([['Email/frobnicate', { accountId }, 'f']]);
    expect(unknown.status).toBe(200);

    type RequestRecord = {
      kind: string;
      request?: { methods: string[]; ok: boolean; durationMs: number; error?: string };
    };
    const requests = await expectEventually(
      async () => {
        const { body } = await admin<{ records: RequestRecord[] }>(
          'GET',
          `/admin/accounts/${accountId}/devices/${device.deviceId}/trail`,
        );
        const found = body.records
          .filter((record) => record.kind === 'request')
          .map((record) => record.request);
        expect(found.map((request) => request?.methods)).toEqual(
          expect.arrayContaining([['Email/query', 'Email/get'], ['Email/frobnicate']]),
        );
        return found;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const byMethods = (methods: string[]) =>
      requests.find((request) => JSON.stringify(request?.methods) === JSON.stringify(methods));
    expect(byMethods(['Email/query', 'Email/get'])).toEqual({
      methods: ['Email/query', 'Email/get'],
      ok: true,
      durationMs: expect.any(Number),
    });
    expect(byMethods(['Email/frobnicate'])).toMatchObject({ ok: false, error: 'unknownMethod' });
    expect(
      requests.flatMap((request) => request?.methods ?? []).some((name) => name.startsWith('HTTP')),
    ).toBe(false);
  });

  it('reports a partnership not connected for longer than the stale limit', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'drawer-phone' });
    const client = new pg.Client({ connectionString: suite.platform.databaseUrl });
    await client.connect();
    try {
      await client.query(
        `UPDATE registry.devices SET last_sync_at = now() - interval '30 days', created_at = now() - interval '40 days'
          WHERE account_id = $1 AND device_id = $2`,
        [accountId, device.deviceId],
      );
    } finally {
      await client.end();
    }
    const finding = await eventuallyFinding(accountId, device.deviceId, 'stalePartnership');
    expect(finding.evidence['idleDays']).toBe(30);
  });

  it('follows a mail through every hop on a healthy platform, then names the store when mailbox is down', async () => {
    const { address, password, accountId } = await newAccount();
    const device = await suite.registry.registerDevice(address, password, { deviceId: 'selftest-phone' });
    await connectWhenKnown(suite.platform, device.token).then((client) => client.close());

    const healthy = await admin<SelfTestReport>('POST', '/admin/selftest', {
      accountId,
      deviceToken: device.token,
      timeoutMs: 30_000,
    });
    expect(healthy.status).toBe(200);
    expect(
      healthy.body.hops.map((hop) => [hop.name, hop.ok]),
      JSON.stringify(healthy.body),
    ).toEqual([
      ['websocket', true],
      ['smtp', true],
      ['kafka', true],
      ['store', true],
      ['push', true],
      ['fetch', true],
    ]);
    expect(healthy.body).toMatchObject({ ok: true, stoppedAt: null });
    for (const hop of healthy.body.hops) expect(hop.ms).toBeGreaterThanOrEqual(0);

    // The CLI takes the device token from the environment, out of shell history and the process list.
    const cli = await promisify(execFile)(
      process.execPath,
      ['tools/admin/cli.mjs', 'selftest', address, '--timeout', '30000'],
      {
        env: {
          ...process.env,
          PUSHMAIL_ADMIN_TOKEN: suite.platform.adminToken,
          PUSHMAIL_ADMIN_URL: suite.platform.operationsUrl,
          PUSHMAIL_DEVICE_TOKEN: device.token,
        },
      },
    );
    expect(cli.stdout).toContain('every hop answered');
    expect(cli.stdout).toMatch(/ok +fetch/);

    await suite.platform.stopService('mailbox');
    try {
      const broken = await admin<SelfTestReport>('POST', '/admin/selftest', {
        accountId,
        deviceToken: device.token,
        timeoutMs: 12_000,
      });
      expect(broken.status).toBe(200);
      expect(broken.body.ok).toBe(false);
      expect(broken.body.stoppedAt, JSON.stringify(broken.body)).toBe('store');
      expect(broken.body.hops.find((hop) => hop.name === 'kafka')?.ok).toBe(true);
      expect(broken.body.diagnosis).toContain('mailbox');
    } finally {
      await suite.platform.startService('mailbox');
    }
  }, 120_000);

  it('refuses the diagnostics API without the admin credential', async () => {
    const response = await fetch(`${suite.platform.operationsUrl}/admin/findings`);
    expect(response.status).toBe(401);
  });
});

/** A TCP proxy that closes a connection after it has been idle for `idleMs`, as a NAT or load balancer might. */
class IdleCuttingProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, idleMs: number): Promise<IdleCuttingProxy> {
    const sockets = new Set<Socket>();
    const server = createTcpServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      sockets.add(client);
      sockets.add(upstream);
      let timer: NodeJS.Timeout | undefined;
      const cut = (): void => {
        client.destroy();
        upstream.destroy();
      };
      const touch = (): void => {
        clearTimeout(timer);
        timer = setTimeout(cut, idleMs);
      };
      touch();
      client.on('data', (chunk) => {
        touch();
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        touch();
        client.write(chunk);
      });
      for (const socket of [client, upstream]) {
        socket.on('error', cut);
        socket.on('close', () => {
          clearTimeout(timer);
          cut();
          sockets.delete(socket);
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const proxy = new IdleCuttingProxy(server, typeof address === 'object' && address ? address.port : 0);
    for (const socket of sockets) proxy.sockets.add(socket);
    server.on('connection', (socket) => proxy.sockets.add(socket));
    return proxy;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

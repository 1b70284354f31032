import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { accountTopic, deviceCredentialsTopic } from '@pushmail/contracts';
import { createKafka, createLogger, EventProducer } from '@pushmail/platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  credentialsSnapshot,
  DeviceClient,
  expectEventually,
  listenOnLoopback,
  scrapeMetrics,
} from '@pushmail/testing';
import { pushConfigSchema } from '../config/push-config.js';
import { pushService } from '../service.js';
import { answerJson, echoMethodCalls, FakeUpstream, refuseToken } from '../testing/fake-upstream.js';
import { DeviceTokenCheck } from './device-token-check.js';

const kafkaBrokers = process.env['KAFKA_BROKERS'];
if (!kafkaBrokers) throw new Error('KAFKA_BROKERS must point at the test broker');

const internalToken = randomBytes(24).toString('base64url');
const VIEW_WAIT_MS = 1500;

/** What device-registry answers for one digest, and what it publishes once it has answered. */
type Script = (tokenSha256: string, response: ServerResponse) => void;

interface JmapForward {
  request?: { methodCalls: unknown[][] };
}

interface Device {
  accountId: string;
  deviceId: string;
  token: string;
  tokenSha256: string;
}

function newDevice(): Device {
  const accountId = randomUUID();
  const token = `pmd_${randomBytes(32).toString('base64url')}`;
  return {
    accountId,
    deviceId: `phone-${accountId.slice(0, 6)}`,
    token,
    tokenSha256: createHash('sha256').update(token).digest('hex'),
  };
}

/** The upgrade's outcome: its status, and the headers a refusal carried. */
function upgradeStatus(url: string, token: string) {
  return new Promise<{ status: number; retryAfter?: string; wwwAuthenticate?: string }>((resolve, reject) => {
    const socket = new WebSocket(url, ['jmap'], { headers: { authorization: `Bearer ${token}` } });
    socket.once('upgrade', (response) => resolve({ status: response.statusCode ?? 0 }));
    socket.once('open', () => socket.close());
    socket.once('unexpected-response', (_request, response) => {
      resolve({
        status: response.statusCode ?? 0,
        ...(response.headers['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}),
        ...(response.headers['www-authenticate']
          ? { wwwAuthenticate: String(response.headers['www-authenticate']) }
          : {}),
      });
      response.resume();
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

describe(DeviceTokenCheck.name, () => {
  const logger = createLogger('device-token-check-test', 'warn');
  const producer = new EventProducer(
    createKafka({ brokers: kafkaBrokers.split(','), clientId: 'device-token-check-test', logger }),
    logger,
  );
  /** device-registry's (and mailbox's) stand-in: token checks follow the script of their digest. */
  const scripts = new Map<string, Script>();
  const checks: Array<{ tokenSha256: string; authorization: string | undefined }> = [];
  let upstream: FakeUpstream;
  let app: NestExpressApplication;
  let baseUrl: string;
  let wsUrl: string;

  const snapshot = (device: Device, revision: number, tokens: string[]) =>
    credentialsSnapshot(device.accountId, [{ deviceId: device.deviceId, tokenSha256: tokens }], { revision });

  /** What device-registry's relay does after a commit: both snapshots of the account, on Kafka. */
  async function publish(device: Device, revision: number, tokens: string[]): Promise<void> {
    await producer.publish(accountTopic, [
      {
        accountId: device.accountId,
        revision,
        address: `${device.deviceId}@example.com`,
        status: 'active',
        updatedAt: new Date().toISOString(),
      },
    ]);
    await producer.publish(deviceCredentialsTopic, [snapshot(device, revision, tokens)]);
  }

  function confirm(response: ServerResponse, device: Device, revision: number): void {
    answerJson(response, 200, { accountId: device.accountId, deviceId: device.deviceId, revision });
  }

  const tokenChecks = async (verdict: string) =>
    (await scrapeMetrics(baseUrl)).value('pushmail_push_token_checks_total', { verdict }) ?? 0;

  beforeAll(async () => {
    upstream = await FakeUpstream.start({
      tokenCheck: (tokenSha256, request, response) => {
        checks.push({ tokenSha256, authorization: request.authorization });
        const script = scripts.get(tokenSha256);
        if (script) script(tokenSha256, response);
        else refuseToken(response);
      },
      // mailbox, for a socket's first requests: echoes JMAP calls back.
      mailbox: (request, response) => {
        const calls =
          request.method === 'POST'
            ? (JSON.parse(request.body) as JmapForward).request?.methodCalls
            : undefined;
        answerJson(response, 200, calls ? echoMethodCalls(calls) : { state: '1', changed: {} });
      },
    });
    const registryUrl = upstream.url;

    const config = pushConfigSchema.parse({
      KAFKA_BROKERS: kafkaBrokers,
      INTERNAL_TOKEN: internalToken,
      MAILBOX_URL: registryUrl,
      REGISTRY_URL: registryUrl,
      TOKEN_CHECK_TIMEOUT_MS: '500',
      TOKEN_CHECK_VIEW_WAIT_MS: String(VIEW_WAIT_MS),
    });
    let port: number;
    ({ app, port, baseUrl } = await listenOnLoopback(pushService, config, logger));
    wsUrl = `ws://127.0.0.1:${port}/jmap/ws`;
    await producer.connect();
    await expectEventually(async () => expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  });

  afterAll(async () => {
    await app?.close();
    await producer.disconnect();
    await upstream?.close();
  });

  it('upgrades a device that connects before its new token reached the index, and keeps it connected', async () => {
    const device = newDevice();
    // device-registry committed the registration; its snapshot reaches Kafka only after the check.
    scripts.set(device.tokenSha256, (_digest, response) => {
      confirm(response, device, 1);
      setTimeout(() => void publish(device, 1, [device.tokenSha256]), 200);
    });
    const indexedBefore = await tokenChecks('indexed');

    const client = await DeviceClient.connect(wsUrl, device.token);
    try {
      const answer = await client.request([['Core/echo', { hello: 'fresh' }, 'c1']]);
      expect(answer).toEqual([['Core/echo', { hello: 'fresh' }, 'c1']]);
      expect(checks.filter((check) => check.tokenSha256 === device.tokenSha256)).toEqual([
        { tokenSha256: device.tokenSha256, authorization: `Bearer ${internalToken}` },
      ]);
      expect(await tokenChecks('indexed')).toBe(indexedBefore + 1);
      expect(client.closeInfo).toBeUndefined();

      // Revocation still reaches the socket through the snapshots, as for any device.
      await publish(device, 2, []);
      expect((await client.waitForClose(10_000)).code).toBe(4003);
    } finally {
      client.close();
    }
  });

  it('answers 401 to a token device-registry does not know or revoked, asking each time', async () => {
    const device = newDevice();
    const first = await upgradeStatus(wsUrl, device.token);
    const second = await upgradeStatus(wsUrl, device.token);
    for (const outcome of [first, second]) {
      expect(outcome.status).toBe(401);
      expect(outcome.wwwAuthenticate).toContain('Bearer realm="pushmail"');
    }
    expect(checks.filter((check) => check.tokenSha256 === device.tokenSha256)).toHaveLength(2);
  });

  it('refuses a token device-registry confirmed but revoked before the index caught up', async () => {
    const device = newDevice();
    scripts.set(device.tokenSha256, (_digest, response) => {
      confirm(response, device, 1);
      // Revoked right after the check: the relay publishes the account as it is by then.
      void publish(device, 2, []);
    });
    expect(await upgradeStatus(wsUrl, device.token)).toMatchObject({ status: 401 });
  });

  it('answers 503 with Retry-After, never 401, when device-registry does not answer in time', async () => {
    const device = newDevice();
    // Held past TOKEN_CHECK_TIMEOUT_MS.
    scripts.set(device.tokenSha256, (_digest, response) => {
      setTimeout(() => confirm(response, device, 1), 2000);
    });
    expect(await upgradeStatus(wsUrl, device.token)).toEqual({ status: 503, retryAfter: '5' });
  });

  it('answers 503 with Retry-After while the index has not caught up with a confirmed token, then lets the device in once it has', async () => {
    const device = newDevice();
    scripts.set(device.tokenSha256, (_digest, response) => confirm(response, device, 1));
    const started = performance.now();
    expect(await upgradeStatus(wsUrl, device.token)).toEqual({ status: 503, retryAfter: '1' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(VIEW_WAIT_MS - 50);

    await publish(device, 1, [device.tokenSha256]);
    await expectEventually(async () => expect((await upgradeStatus(wsUrl, device.token)).status).toBe(101), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(checks.filter((check) => check.tokenSha256 === device.tokenSha256)).toHaveLength(1);
  });
});

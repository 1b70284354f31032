import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMessage,
  expectEventually,
  RegistryClient,
  sendMail,
  startPlatform,
  type Invocation,
  type RunningPlatform,
} from '@pushmail/testing';
import { brokerPorts, startLocalKafka, type LocalKafka } from '@pushmail/infra';
import { connectWhenKnown, databaseUrl } from './support/e2e-platform.js';

interface SelfTestReport {
  ok: boolean;
  stoppedAt: string | null;
  diagnosis: string;
  hops: { name: string; ok: boolean; ms: number | null; detail: string }[];
  totalMs: number;
}

/**
 * The broker is this suite's own, so that it can be stopped under a running platform without
 * disturbing the other suites.
 */
describe('the platform while Kafka is down', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pushmail-outage-'));
  let ports: { port: number; controllerPort: number };
  let broker: LocalKafka;
  let platform: RunningPlatform;

  beforeAll(async () => {
    // Outside the ephemeral range: no outgoing connection takes them while the broker is stopped.
    ports = await brokerPorts();
    broker = await startLocalKafka({ ...ports, dataDir, log: () => undefined });
    platform = await startPlatform({
      kafkaBrokers: broker.brokers,
      databaseUrl,
      freshDatabase: true,
      logDirectory: 'test-artifacts/logs/kafka-outage',
      serviceEnv: { ingest: { INGEST_PUBLISH_TIMEOUT_MS: '3000' } },
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A new account with one device, connected to push-delivery (which therefore knows it). */
  const connectedDevice = async (name: string) => {
    const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
    const address = `${name}-${randomUUID().slice(0, 8)}@example.com`;
    const { accountId } = await registry.createAccount(address, 'a long enough password');
    const device = await registry.registerDevice(address, 'a long enough password', {
      deviceId: `${name}-phone`,
    });
    const client = await connectWhenKnown(platform, device.token);
    return { address, accountId, device, client };
  };

  it('answers 451 while Kafka is stopped, and the retried mail arrives once Kafka is back', async () => {
    const { address, accountId, client } = await connectedDevice('outage');
    try {
      const [[, before]] = (await client.request([['Email/get', { accountId, ids: [] }, 'g']])) as [
        Invocation,
      ];
      client.enablePush();

      await broker.stop();
      const message = buildMessage({
        from: 'sender@elsewhere.example',
        to: address,
        subject: 'during the outage',
        text: 'kept',
      });
      const refused = await sendMail(platform.smtp.host, platform.smtp.port, {
        from: 'sender@elsewhere.example',
        to: [address],
        message,
      });
      expect(refused.data?.code).toBe(451);
      expect(refused.data?.text).toMatch(/4\.3\.0/);

      broker = await startLocalKafka({ ...ports, dataDir, log: () => undefined });
      // An SMTP client retries a 451 later; here, until the broker is reachable again.
      await expectEventually(
        async () => {
          const retried = await sendMail(platform.smtp.host, platform.smtp.port, {
            from: 'sender@elsewhere.example',
            to: [address],
            message,
          });
          expect(retried.data?.code).toBe(250);
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );

      await client.nextStateChange(60_000, (change) => change.changed[accountId]?.['Email'] !== undefined);
      const responses = await client.request([
        ['Email/changes', { accountId, sinceState: before['state'] }, 'c'],
        [
          'Email/get',
          {
            accountId,
            '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
            properties: ['subject'],
          },
          'g',
        ],
      ]);
      expect(responses[1]![1]['list']).toEqual([expect.objectContaining({ subject: 'during the outage' })]);
    } finally {
      client.close();
    }
  });

  it('names Kafka as the broken hop in the self-test while the broker is down, within the time asked', async () => {
    // push-delivery knows the device before the broker goes.
    const { accountId, device, client } = await connectedDevice('selftest');
    client.close();
    await client.waitForClose();

    await broker.stop();
    try {
      const timeoutMs = 20_000;
      const asked = Date.now();
      const response = await fetch(`${platform.operationsUrl}/admin/selftest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ accountId, deviceToken: device.token, timeoutMs }),
      });
      const elapsedMs = Date.now() - asked;
      expect(response.status).toBe(200);
      const report = (await response.json()) as SelfTestReport;
      const described = JSON.stringify(report);

      expect(report.ok).toBe(false);
      expect(report.stoppedAt, described).toBe('kafka');
      expect(report.diagnosis).toMatch(/^Kafka is unreachable: /);
      expect(report.diagnosis).toContain(broker.brokers);
      expect(
        report.hops.map((hop) => [hop.name, hop.ok]),
        described,
      ).toEqual([
        ['websocket', true],
        ['smtp', false],
        ['kafka', false],
      ]);
      expect(report.hops[1]?.detail).toMatch(/^message answered 451 4\.3\.0/);
      expect(report.hops[2]?.detail).toMatch(/^unreachable from operations too: /);
      expect(elapsedMs).toBeLessThan(timeoutMs);
      expect(report.totalMs).toBeLessThanOrEqual(elapsedMs);
    } finally {
      broker = await startLocalKafka({ ...ports, dataDir, log: () => undefined });
    }
  });
});

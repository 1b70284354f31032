import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMessage,
  DeviceClient,
  expectEventually,
  freePort,
  RegistryClient,
  sendMail,
  startPlatform,
  type Invocation,
  type RunningPlatform,
} from '@pushmail/testing';
import { startLocalKafka, type LocalKafka } from '@pushmail/infra';

const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must be set: run the suite with `npm test`');

/**
 * The broker is this suite's own, so that it can be stopped under a running platform without
 * disturbing the other suites.
 */
describe('ingest while Kafka is down', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pushmail-outage-'));
  let ports: { port: number; controllerPort: number };
  let broker: LocalKafka;
  let platform: RunningPlatform;

  beforeAll(async () => {
    ports = { port: await freePort(), controllerPort: await freePort() };
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

  it('answers 451 while Kafka is stopped, and the retried mail arrives once Kafka is back', async () => {
    const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
    const address = `outage-${randomUUID().slice(0, 8)}@example.com`;
    const { accountId } = await registry.createAccount(address, 'a long enough password');
    const device = await registry.registerDevice(address, 'a long enough password', {
      deviceId: 'outage-phone',
    });
    const client = await expectEventually(() => DeviceClient.connect(platform.websocketUrl, device.token));
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
});

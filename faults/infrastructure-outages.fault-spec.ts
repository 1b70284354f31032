import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerPorts, startLocalKafka, type LocalKafka } from '@pushmail/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OwnPostgres,
  runUnderLoad,
  startFaultPlatform,
  type FaultPlatform,
} from './support/fault-harness.js';

/**
 * The broker and the database are this file's own: they are stopped under a running platform, which
 * the shared ones must never be.
 */
describe('Kafka and Postgres restarts while mail flows and devices are connected', () => {
  const kafkaDir = mkdtempSync(join(tmpdir(), 'pushmail-fault-kafka-'));
  let kafkaPorts: { port: number; controllerPort: number };
  let broker: LocalKafka | undefined;
  let postgres: OwnPostgres;
  let fault: FaultPlatform;

  beforeAll(async () => {
    // Outside the ephemeral range: no outgoing connection takes them while the broker is stopped.
    kafkaPorts = await brokerPorts();
    [broker, postgres] = await Promise.all([
      startLocalKafka({ ...kafkaPorts, dataDir: kafkaDir, log: () => undefined }),
      OwnPostgres.start(),
    ]);
    fault = await startFaultPlatform('infrastructure', {
      kafkaBrokers: broker.brokers,
      databaseUrl: postgres.url,
    });
  });

  afterAll(async () => {
    await fault?.platform.stop();
    await broker?.stop();
    await postgres?.destroy();
    rmSync(kafkaDir, { recursive: true, force: true });
  });

  it('loses and doubles nothing when the broker stops under ingest: senders get 4xx, retry, and every 250 is stored once', async () => {
    const ledger = await runUnderLoad('kafka-restart', fault, async (load) => {
      await broker!.stop();
      broker = undefined;
      // The outage lasts until senders have been told to retry later.
      await expect
        .poll(() => load.messages.filter((message) => message.attempts > 1).length, {
          timeout: 60_000,
          interval: 200,
        })
        .toBeGreaterThanOrEqual(2);
      broker = await startLocalKafka({ ...kafkaPorts, dataDir: kafkaDir, log: () => undefined });
      await load.flowing(10, 180_000);
    });
    expect(ledger.retried).toBeGreaterThanOrEqual(2);
  });

  it('loses and doubles nothing when Postgres crashes while mailbox writes, and mail accepted meanwhile is stored after', async () => {
    await runUnderLoad('postgres-restart', fault, async (load) => {
      postgres.stopServer('immediate');
      try {
        // ingest needs no database: mail keeps being answered 250 while mailbox cannot store it.
        await load.flowing(30);
      } finally {
        await postgres.startServer();
      }
    });
  });
});

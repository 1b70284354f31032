import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickListenPorts, startLocalKafka, type LocalKafka } from '@pushmail/infra';
import { createDatabase, FaultProxy } from '@pushmail/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requiredEnv,
  runUnderLoad,
  sleep,
  startFaultPlatform,
  type FaultPlatform,
} from './support/fault-harness.js';

const databaseUrl = requiredEnv('DATABASE_URL');

/**
 * A bad network between mailbox and both of its dependencies, while the rest of the platform sees
 * a good one: mailbox reaches the broker through the broker's second listener, which advertises a
 * fault proxy's port (so every connection kafkajs opens after the bootstrap passes the proxy too),
 * and reaches Postgres through another proxy. Ingest keeps answering 250 throughout; what it
 * accepted must be stored once and pushed once the network heals, with no service restarted.
 *
 * Run: build, then `npx vitest run --project faults faults/network-faults.fault-spec.ts`
 * (PUSHMAIL_LISTEN_PORTS=32000-32767 keeps the broker's and the proxies' ports in a range).
 */
describe('a bad network between mailbox and Kafka and Postgres while mail flows', () => {
  const kafkaDir = mkdtempSync(join(tmpdir(), 'pushmail-fault-network-'));
  let broker: LocalKafka | undefined;
  let kafkaProxy: FaultProxy;
  let postgresProxy: FaultProxy;
  let fault: FaultPlatform;

  beforeAll(async () => {
    const [port, controllerPort, proxiedPort, kafkaProxyPort, postgresProxyPort] = await pickListenPorts(5);
    kafkaProxy = await FaultProxy.start({ host: '127.0.0.1', port: proxiedPort! }, kafkaProxyPort);
    broker = await startLocalKafka({
      port: port!,
      controllerPort: controllerPort!,
      proxied: { port: proxiedPort!, advertisedPort: kafkaProxyPort! },
      dataDir: kafkaDir,
      log: () => undefined,
    });
    const database = await createDatabase(databaseUrl, `pm_net_${Date.now().toString(36)}`);
    const direct = new URL(database);
    postgresProxy = await FaultProxy.start(
      { host: direct.hostname, port: Number(direct.port || 5432) },
      postgresProxyPort,
    );
    const throughProxy = new URL(database);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(postgresProxy.port);
    fault = await startFaultPlatform('network', {
      kafkaBrokers: broker.brokers,
      databaseUrl: database,
      freshDatabase: false,
      serviceEnv: {
        mailbox: { KAFKA_BROKERS: kafkaProxy.address, DATABASE_URL: throughProxy.toString() },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await fault?.platform.stop();
    await kafkaProxy?.close();
    await postgresProxy?.close();
    await broker?.stop();
    rmSync(kafkaDir, { recursive: true, force: true });
  });

  it('stores and pushes every 250 exactly once after latency, a stall and connection resets, without a restart', async () => {
    const proxies = [kafkaProxy, postgresProxy];
    const mailbox = fault.platform.processes.get('mailbox');
    const pidBefore = mailbox?.pid;
    const timeline: string[] = [];
    const began = Date.now();
    const mark = (what: string) => timeline.push(`${((Date.now() - began) / 1000).toFixed(1)} s ${what}`);

    // Read directly, not through the proxy: the test's own view must not suffer the faults.
    const db = new pg.Client({ connectionString: fault.databaseUrl });
    await db.connect();
    const storedRows = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM mailbox.emails')).rows[0]!.n);
    const ledger = await runUnderLoad(
      'network-faults',
      fault,
      async (load) => {
        // 1. A slow link: 250 ms each way on every chunk.
        for (const proxy of proxies) proxy.latencyMs = 250;
        mark('latency 250 ms each way');
        await load.flowing(15);

        // 2. A partition that drops packets: connections stay open and nothing passes.
        for (const proxy of proxies) proxy.stall();
        mark('stall');
        const answeredAtStall = load.answered;
        const storedAtStall = await storedRows();
        await sleep(8000);
        const storedInStall = (await storedRows()) - storedAtStall;
        const answeredInStall = load.answered - answeredAtStall;
        mark(`stall: ${answeredInStall} answered 250, ${storedInStall} stored`);
        // Ingest does not depend on mailbox: mail is still accepted while mailbox is cut off, and
        // mailbox stores nothing meanwhile (at most a commit already on its way), so it has a backlog.
        expect(answeredInStall).toBeGreaterThan(0);
        expect(storedInStall).toBeLessThanOrEqual(3);
        for (const proxy of proxies) proxy.resume();
        mark('stall over, latency kept');
        await load.flowing(10);

        // 3. Every connection reset, and new ones refused for a while (the dependency looks down).
        for (const proxy of proxies) {
          proxy.refusing = true;
          proxy.resetAll();
        }
        mark('connections reset, new ones refused');
        await sleep(5000);
        for (const proxy of proxies) proxy.heal();
        mark('healed');

        // 4. Resets in a burst while traffic flows: a flapping link.
        for (let burst = 0; burst < 4; burst += 1) {
          await sleep(1000);
          for (const proxy of proxies) proxy.resetAll();
        }
        mark('reset bursts over');
      },
      { before: 30, after: 30 },
    ).finally(() => db.end());

    console.log(
      [
        '[network-faults] timeline: ' + timeline.join(' | '),
        `  kafka proxy: connections ${kafkaProxy.connectionsAccepted}, reset ${kafkaProxy.connectionsReset}, bytes ${kafkaProxy.bytesForwarded}`,
        `  postgres proxy: connections ${postgresProxy.connectionsAccepted}, reset ${postgresProxy.connectionsReset}, bytes ${postgresProxy.bytesForwarded}`,
      ].join('\n'),
    );
    // The faults were real: mailbox's connections went through the proxies and were cut.
    for (const proxy of proxies) {
      expect(proxy.connectionsReset).toBeGreaterThan(0);
      expect(proxy.bytesForwarded).toBeGreaterThan(0);
    }
    // Recovered on its own: the same mailbox process, still running.
    expect(mailbox?.pid).toBe(pidBefore);
    expect(mailbox?.exitCode).toBeNull();
    expect(ledger.duplicates).toBe(0);
    expect(ledger.answered250).toBeGreaterThanOrEqual(60);
  });
});

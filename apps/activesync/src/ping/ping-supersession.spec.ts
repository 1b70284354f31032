import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { PingRegistry } from './ping-registry.js';
import { TestConnection, watcherOf } from '../testing/test-connection.js';
import { PingSupersession } from './ping-supersession.js';

/** A logger that keeps its lines, and a database whose notices fail when told to. */
function setUp() {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const logger = {
    child: () => logger,
    warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
    info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
  } as unknown as Logger;
  const pending: Array<(error: Error) => void> = [];
  const dataSource = {
    query: () => new Promise((_resolve, reject) => pending.push(reject)),
  } as unknown as DataSource;
  const pings = new PingRegistry(new ActiveSyncMetrics(new Registry()));
  const supersession = new PingSupersession(pings, dataSource, {} as ActiveSyncConfig, logger);
  const park = (deviceId: string) => {
    const { watcher, end } = watcherOf(async () => []);
    pings.park({
      accountId: 'acc',
      deviceId,
      heartbeatMs: 60_000,
      standing: 'allowed',
      watcher,
      connection: new TestConnection(),
    });
    return end;
  };
  const failAll = () => {
    for (const reject of pending.splice(0)) reject(new Error('the request ended; the statement was not run'));
  };
  return { lines, pings, supersession, park, failAll };
}

describe(PingSupersession.name, () => {
  it('warns of a notice lost while the service runs', async () => {
    const { lines, park, failAll, pings } = setUp();
    void park('phone');
    failAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'could not announce a parked Ping'],
    ]);
    pings.onModuleDestroy();
  });

  it('sums up in one line the notices lost because the service stops, however many Pings it answers', async () => {
    const { lines, pings, supersession, park, failAll } = setUp();
    const answers = ['a', 'b', 'c'].map(park);
    pings.onModuleDestroy();
    await expect(Promise.all(answers)).resolves.toEqual([
      { reason: 'shutdown' },
      { reason: 'shutdown' },
      { reason: 'shutdown' },
    ]);
    const stopped = supersession.beforeApplicationShutdown();
    failAll();
    await stopped;
    expect(lines).toEqual([
      {
        level: 'info',
        fields: { notices: 3 },
        message: 'parked Pings answered at shutdown were not announced to other replicas',
      },
    ]);
  });
});

import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { PingRegistry } from './ping-registry.js';
import { TestConnection, watcherOf } from '../testing/test-connection.js';
import { noticesOf, parseNotice, PingSupersession } from './ping-supersession.js';

/** A logger that keeps its lines, and a database whose notices fail when told to. */
function setUp() {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const logger = {
    child: () => logger,
    warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
    info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
  } as unknown as Logger;
  const pending: Array<(error: Error) => void> = [];
  // What preparedQuery reaches on a data source: a pooled connection's client, whose statements
  // wait until failAll.
  const client = { query: () => new Promise((_resolve, reject) => pending.push(reject)) };
  const dataSource = {
    dataSource: {
      createQueryRunner: () => ({ connect: () => Promise.resolve(client), release: () => Promise.resolve() }),
    },
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
  /** Resolves once a statement reached the client (preparedQuery connects first). */
  const statementSent = async () => {
    while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
  };
  return { lines, pings, supersession, park, failAll, statementSent };
}

describe(PingSupersession.name, () => {
  it('warns of a notice lost while the service runs', async () => {
    const { lines, park, failAll, pings, supersession, statementSent } = setUp();
    void park('phone');
    void park('tablet');
    const announced = supersession.announceQueued();
    await statementSent();
    failAll();
    await announced;
    expect(lines.map((line) => [line.level, line.message, line.fields])).toEqual([
      [
        'warn',
        'could not announce parked Pings',
        { reason: 'the request ended; the statement was not run', pings: 2 },
      ],
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

  it('announces the Pings parked together in one notice', async () => {
    const { park, pings, supersession } = setUp();
    // What preparedQuery reaches: a pooled connection's client.
    const statements: unknown[][] = [];
    const client = {
      query: (config: { values: unknown[] }) => {
        statements.push(config.values);
        return Promise.resolve({ rows: [] });
      },
    };
    (supersession as unknown as { dataSource: object }).dataSource = {
      dataSource: {
        createQueryRunner: () => ({
          connect: () => Promise.resolve(client),
          release: () => Promise.resolve(),
        }),
      },
    };
    void park('phone');
    void park('tablet');
    await supersession.announceQueued();
    expect(statements).toHaveLength(1);
    const notice = parseNotice(statements[0]![1] as string);
    expect(notice?.parked.map(([deviceKey]) => deviceKey).sort()).toEqual(['acc/phone', 'acc/tablet']);
    await supersession.announceQueued();
    expect(statements).toHaveLength(1);
    pings.onModuleDestroy();
  });
});

describe(noticesOf.name, () => {
  it('splits the Pings into notices that NOTIFY takes (under 8,000 bytes) and loses none', () => {
    const queued = Array.from({ length: 500 }, (_, index): [string, number] => [
      `${'a'.repeat(36)}/device-${index}`,
      1_700_000_000_000 + index,
    ]);
    const notices = noticesOf('replica-1', queued);
    expect(notices.length).toBeGreaterThan(1);
    for (const { payload } of notices) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(notices.reduce((total, notice) => total + notice.pings, 0)).toBe(500);
    expect(notices.flatMap(({ payload }) => parseNotice(payload)!.parked)).toEqual(queued);
  });

  it('makes no notice of nothing', () => {
    expect(noticesOf('replica-1', [])).toEqual([]);
  });
});

describe(parseNotice.name, () => {
  it('reads the batched form and the single-Ping form of replicas not yet upgraded', () => {
    expect(parseNotice(JSON.stringify({ replica: 'r', parked: [['acc/phone', 5]] }))).toEqual({
      replica: 'r',
      parked: [['acc/phone', 5]],
    });
    expect(parseNotice(JSON.stringify({ replica: 'r', deviceKey: 'acc/phone', parkedAt: 5 }))).toEqual({
      replica: 'r',
      parked: [['acc/phone', 5]],
    });
  });

  it('ignores what is not a notice, and entries of the wrong shape', () => {
    expect(parseNotice(undefined)).toBeUndefined();
    expect(parseNotice('not json')).toBeUndefined();
    expect(parseNotice(JSON.stringify({ parked: [] }))).toBeUndefined();
    expect(parseNotice(JSON.stringify({ replica: 'r', parked: 'x' }))).toBeUndefined();
    expect(parseNotice(JSON.stringify({ replica: 'r', parked: [['ok', 1], [2, 'x'], 'y'] }))).toEqual({
      replica: 'r',
      parked: [['ok', 1]],
    });
  });
});

import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithRequestSignal } from '../http/request-signal.js';
import { createLogger, MAX_LOG_LINE_BYTES } from '../logging/logger.js';
import { StatementCancelledError, withStatementLimits } from './statement-limits.js';

const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must name the test database');

/** Whether a statement whose text contains `marker` is still running in PostgreSQL. */
async function stillRunning(observer: DataSource, marker: string): Promise<boolean> {
  const rows: unknown[] = await observer.query(
    `SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()`,
    [`%${marker}%`],
  );
  return rows.length > 0;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(withStatementLimits.name, () => {
  let dataSource: DataSource;
  let observer: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(
      withStatementLimits({ type: 'postgres', url: databaseUrl, poolSize: 2 }, { statementTimeoutMs: 1000 }),
    );
    observer = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 1 });
    await Promise.all([dataSource.initialize(), observer.initialize()]);
  });

  afterAll(async () => {
    await Promise.all([dataSource?.destroy(), observer?.destroy()]);
  });

  it('cancels a statement that runs past the statement timeout', async () => {
    const started = Date.now();
    const error = await dataSource.query('SELECT pg_sleep(30)').catch((caught: unknown) => caught);
    expect((error as { driverError?: { code?: string } }).driverError?.code).toBe('57014');
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('cancels the running statement in PostgreSQL when its request ends, and sends none after', async () => {
    const request = new AbortController();
    const marker = `cancel_marker_${Date.now()}`;
    // A transaction, as a JMAP method reads in one: the statement runs on its connection.
    const running = runWithRequestSignal(request.signal, () =>
      dataSource.transaction((manager) => manager.query(`SELECT pg_sleep(0.9), '${marker}'`)),
    ).catch((caught: unknown) => caught);
    await waitUntil(() => stillRunning(observer, marker), 5000);
    request.abort();
    const error = await running;
    expect((error as { driverError?: { code?: string } }).driverError?.code).toBe('57014');
    expect(await stillRunning(observer, marker)).toBe(false);

    const after = await runWithRequestSignal(request.signal, () => dataSource.query('SELECT 1')).catch(
      (caught: unknown) => caught,
    );
    expect((after as { driverError?: unknown }).driverError).toBeInstanceOf(StatementCancelledError);
    // The pool's connections still work for other requests.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('sends the cancel again while the statement outlives the first one', async () => {
    const request = new AbortController();
    const marker = `cancel_again_${Date.now()}`;
    // The block catches the first cancel and sleeps on, as a statement does when PostgreSQL drops a
    // CancelRequest that lands between the protocol messages of its start.
    const block = `DO $$ BEGIN PERFORM pg_sleep(20), '${marker}';
      EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(20); END $$`;
    const started = Date.now();
    const running = runWithRequestSignal(request.signal, () =>
      dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL statement_timeout = '60s'`);
        await manager.query(block);
      }),
    ).catch((caught: unknown) => caught);
    await waitUntil(() => stillRunning(observer, marker), 5000);
    request.abort();
    const error = await running;
    expect((error as { driverError?: { code?: string } }).driverError?.code).toBe('57014');
    // One cancel alone leaves the handler's sleep running for 20 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await stillRunning(observer, marker)).toBe(false);
  });

  it('logs a failing query without its SQL, its parameters or the content they carry, in a small line', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('test', { level: 'info', destination });
    const content = `private mail body ${'words of a message '.repeat(100_000)}`;
    const failed = await dataSource
      .query(`SELECT $1::int AS size, $2::text AS body, 'secret_sql_literal' AS x`, ['12x', content])
      .catch((caught: unknown) => caught);
    expect(failed).toBeInstanceOf(Error);

    logger.error({ err: failed, method: 'Email/query' }, 'a JMAP method failed');
    logger.warn({ error: failed, nested: { cause: failed } }, 'retrying');

    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(Buffer.byteLength(line)).toBeLessThan(2048);
      expect(line).not.toContain('private mail body');
      expect(line).not.toContain('12x');
      expect(line).not.toContain('secret_sql_literal');
      expect(line).not.toContain('SELECT');
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'a JMAP method failed',
      method: 'Email/query',
      err: { type: 'QueryFailedError', code: '22P02' },
    });
  });

  it('cuts any line past the bound to its start', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    createLogger('test', { level: 'info', destination }).info(
      { whatever: 'x'.repeat(2 * MAX_LOG_LINE_BYTES) },
      'a big line',
    );
    expect(Buffer.byteLength(lines[0]!)).toBeLessThan(1024);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'a big line', service: 'test' });
  });
});

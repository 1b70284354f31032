import { type DataSource, MigrationExecutor } from 'typeorm';
import type { Logger } from 'pino';

/**
 * Runs a service's pending migrations under a Postgres advisory lock, so that replicas starting
 * together migrate one after the other instead of racing. The schema is created first because the
 * migrations table lives in it. They run on the connection that holds the lock, without the
 * statement timeout of the pool (withStatementLimits): waiting for another replica's migrations, or
 * a migration that rewrites a large table, may take longer than any request should.
 */
export async function migrateWithLock(dataSource: DataSource, schema: string, logger: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lockKey = `pushmail:migrate:${schema}`;
  try {
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '')}"`);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    if (applied.length > 0)
      logger.info({ migrations: applied.map((migration) => migration.name) }, 'applied migrations');
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
  }
}

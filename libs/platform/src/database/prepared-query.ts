import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';

interface PgClient {
  query(config: { name?: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a statement of the store's hot path as a named prepared statement: PostgreSQL parses it once
 * per connection and can reuse its plan, instead of parsing and planning it on every call (on the
 * email insert that is about a third of its cost). `name` must stand for exactly one `text`.
 * Inside a transaction it runs on the transaction's connection; otherwise on a pooled one.
 * Without a name the statement is parsed each time, as any other.
 */
export async function preparedQuery<T>(
  on: EntityManager | DataSource,
  name: string | undefined,
  text: string,
  values: readonly unknown[],
): Promise<T[]> {
  const transactionRunner = on instanceof DataSource ? undefined : on.queryRunner;
  if (transactionRunner && !transactionRunner.isReleased)
    return run<T>(transactionRunner, name, text, values);
  const dataSource = on instanceof DataSource ? on : on.dataSource;
  const runner = dataSource.createQueryRunner();
  try {
    return await run<T>(runner, name, text, values);
  } finally {
    await runner.release();
  }
}

async function run<T>(
  runner: QueryRunner,
  name: string | undefined,
  text: string,
  values: readonly unknown[],
): Promise<T[]> {
  const client = (await runner.connect()) as PgClient;
  const result = await client.query(name === undefined ? { text, values } : { name, text, values });
  return result.rows as T[];
}

import {
  type Compilable,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type Selectable,
} from 'kysely';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from './prepared-query.js';
import type { ChangesTable, EmailsTable, MailboxDatabase, MailboxesTable } from './schema.generated.js';

/**
 * Typed queries over the schema generated from the migrations (docs/adr/0050). Kysely only builds
 * and compiles them: they run on TypeORM's connections, inside its transactions, so the migrations,
 * the pool and the transaction boundaries stay where they are.
 */
export const mailboxDb = new Kysely<MailboxDatabase>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** Runs a built query on `on` (the transaction's manager, or the pool) and returns its rows. */
export function runQuery<R>(on: EntityManager | DataSource, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile();
  return preparedQuery<R>(on, undefined, compiled.sql, compiled.parameters);
}

/**
 * Runs a built query as the named prepared statement `name` (see preparedQuery): the query's shape,
 * and so its text, must not depend on the values.
 */
export function runPrepared<R>(
  on: EntityManager | DataSource,
  name: string,
  query: Compilable<R>,
): Promise<R[]> {
  const compiled = query.compile();
  return preparedQuery<R>(on, name, compiled.sql, compiled.parameters);
}

export type EmailRow = Selectable<EmailsTable>;
export type ChangeType = ChangesTable['type'];
export type ChangeKind = ChangesTable['kind'];
export type MailboxRole = NonNullable<MailboxesTable['role']>;

import {
  type Compilable,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  type Selectable,
} from 'kysely';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '@pushmail/platform';
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

/** Where a value goes in a statement compiled once. */
class Slot {
  constructor(readonly key: string) {}
}

/**
 * A statement of the hot path, built and compiled once with named slots for its values and run as
 * the named prepared statement `name` (see preparedQuery): PostgreSQL parses it once per connection,
 * and a call only puts its values in order, without building or compiling anything.
 */
export class PreparedStatement<V extends object, R> {
  readonly text: string;
  private readonly keys: ReadonlyArray<keyof V & string>;

  constructor(
    readonly name: string,
    build: (slot: <K extends keyof V & string>(key: K) => V[K]) => Compilable<R> | RawBuilder<R>,
  ) {
    const query = build((key) => new Slot(key) as never);
    // SQL that reads best as SQL (a CTE, unnest) is a `sql` template with slots, compiled the same way.
    const compiled = 'isRawBuilder' in query ? query.compile(mailboxDb) : query.compile();
    this.text = compiled.sql;
    this.keys = compiled.parameters.map((parameter) => {
      if (!(parameter instanceof Slot))
        throw new Error(`${name}: every value must be a slot (constants go in as sql.lit)`);
      return parameter.key as keyof V & string;
    });
  }

  run(on: EntityManager | DataSource, values: V): Promise<R[]> {
    return preparedQuery<R>(on, this.name, this.text, this.parameters(values));
  }

  /** `values` in the order of the statement's parameters ($1, $2, ...). */
  parameters(values: V): unknown[] {
    return this.keys.map((key) => values[key]);
  }
}

export type EmailRow = Selectable<EmailsTable>;
export type ChangeType = ChangesTable['type'];
export type ChangeKind = ChangesTable['kind'];
export type MailboxRole = NonNullable<MailboxesTable['role']>;

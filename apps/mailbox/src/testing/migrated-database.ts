import 'reflect-metadata';
import { createLogger, migrateWithLock } from '@pushmail/platform';
import { createTestDatabase, requiredEnv, type TestDatabase } from '@pushmail/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll } from 'vitest';
import { MAILBOX_SCHEMA, mailboxDataSourceOptions } from '../store/data-source-options.js';

/** A fresh database with mailbox's schema, for the specs of the schema and its migrations. */
export interface MigratedMailboxDatabase {
  dataSource: DataSource;
  /** Runs the migrations not run yet, as the service does when it starts. */
  migrate(): Promise<void>;
  /** The account's rows of `email_mailboxes`, each as the SQL `expression` renders it, in that order. */
  membershipRows(accountId: string, expression: string): Promise<string[]>;
  /** Whether `migration` is applied now. */
  isApplied(migration: { name: string }): Promise<boolean>;
  /** Undoes the newest migrations, one at a time, until `migration` is no longer applied. */
  undoThrough(migration: { name: string }): Promise<void>;
  close(): Promise<void>;
}

/** A new database on the shared server (DATABASE_URL), with every migration of mailbox run. */
export async function openMigratedMailboxDatabase(): Promise<MigratedMailboxDatabase> {
  const database: TestDatabase = await createTestDatabase(requiredEnv('DATABASE_URL'));
  const dataSource = new DataSource(mailboxDataSourceOptions(database.url));
  const migrate = () => migrateWithLock(dataSource, MAILBOX_SCHEMA, createLogger('mailbox', 'warn'));
  const applied = async ({ name }: { name: string }) =>
    ((await dataSource.query('SELECT 1 FROM mailbox.migrations WHERE name = $1', [name])) as unknown[])
      .length > 0;
  try {
    await dataSource.initialize();
    await migrate();
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
    throw error;
  }
  return {
    dataSource,
    migrate,
    membershipRows: async (accountId, expression) =>
      (
        (await dataSource.query(
          `SELECT ${expression} AS row FROM mailbox.email_mailboxes WHERE account_id = $1 ORDER BY 1`,
          [accountId],
        )) as Array<{ row: string }>
      ).map(({ row }) => row),
    isApplied: applied,
    undoThrough: async (migration) => {
      while (await applied(migration)) await dataSource.undoLastMigration({ transaction: 'each' });
    },
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/**
 * The migrated database of one spec file, opened in its `beforeAll` and dropped in its `afterAll`,
 * with a row in `account_state` for each of `accountIds`, which the email tables refer to. Its
 * members can be used once the file's tests run.
 */
export function useMigratedMailboxDatabase(
  accountIds: readonly string[] = [],
): Omit<MigratedMailboxDatabase, 'close'> {
  let database: MigratedMailboxDatabase | undefined;
  const opened = (): MigratedMailboxDatabase => {
    if (!database) throw new Error('the migrated database opens in beforeAll');
    return database;
  };
  beforeAll(async () => {
    database = await openMigratedMailboxDatabase();
    for (const accountId of accountIds) {
      await database.dataSource.query('INSERT INTO mailbox.account_state (account_id) VALUES ($1)', [
        accountId,
      ]);
    }
  });
  afterAll(async () => {
    await database?.close();
  });
  return {
    get dataSource() {
      return opened().dataSource;
    },
    migrate: () => opened().migrate(),
    membershipRows: (accountId, expression) => opened().membershipRows(accountId, expression),
    isApplied: (migration) => opened().isApplied(migration),
    undoThrough: (migration) => opened().undoThrough(migration),
  };
}

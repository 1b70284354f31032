import 'reflect-metadata';
import { createLogger, migrateWithLock } from '@pushmail/platform';
import { createTestDatabase, requiredEnv, type TestDatabase } from '@pushmail/testing';
import { DataSource } from 'typeorm';
import { MAILBOX_SCHEMA, mailboxDataSourceOptions } from '../store/data-source-options.js';

/** A fresh database with mailbox's schema, for the specs of the schema and its migrations. */
export interface MigratedMailboxDatabase {
  dataSource: DataSource;
  /** Runs the migrations not run yet, as the service does when it starts. */
  migrate(): Promise<void>;
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
    undoThrough: async (migration) => {
      while (await applied(migration)) await dataSource.undoLastMigration({ transaction: 'each' });
    },
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

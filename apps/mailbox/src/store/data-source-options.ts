import type { DataSourceOptions } from 'typeorm';
import { AccountState } from './entities/account-state.entity.js';
import { Blob } from './entities/blob.entity.js';
import { Change } from './entities/change.entity.js';
import { Email } from './entities/email.entity.js';
import { Mailbox } from './entities/mailbox.entity.js';
import { CreateMailboxTables1795737600000 } from './migrations/1795737600000-create-mailbox-tables.js';
import { AddSyncAndBlobs1795824000000 } from './migrations/1795824000000-add-sync-and-blobs.js';

export const MAILBOX_SCHEMA = 'mailbox';

export const mailboxEntities = [AccountState, Mailbox, Email, Change, Blob];

/** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
export const mailboxMigrations = [CreateMailboxTables1795737600000, AddSyncAndBlobs1795824000000];

export function mailboxDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: MAILBOX_SCHEMA,
    applicationName: 'mailbox',
    entities: mailboxEntities,
    migrations: mailboxMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: 10,
  };
}

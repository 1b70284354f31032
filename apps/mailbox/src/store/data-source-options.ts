import type { DataSourceOptions } from 'typeorm';
import { CreateMailboxTables1795737600000 } from './migrations/1795737600000-create-mailbox-tables.js';
import { AddSyncAndBlobs1795824000000 } from './migrations/1795824000000-add-sync-and-blobs.js';
import { AddSubmissions1796000000000 } from './migrations/1796000000000-add-submissions.js';
import { AddVacationResponses1796100000000 } from './migrations/1796100000000-add-vacation-responses.js';
import { AddVacationState1796200000000 } from './migrations/1796200000000-add-vacation-state.js';
import { IndexPendingSubmissions1796300000000 } from './migrations/1796300000000-index-pending-submissions.js';
import { AddStoredBodyParts1796400000000 } from './migrations/1796400000000-add-stored-body-parts.js';
import { AddThreadMessageIds1796500000000 } from './migrations/1796500000000-add-thread-message-ids.js';
import { AddEmailMailboxes1796500500000 } from './migrations/1796500500000-add-email-mailboxes.js';
import { AccountStateHotUpdates1796600000000 } from './migrations/1796600000000-account-state-hot-updates.js';
import { AddEmailMailboxesThread1796600500000 } from './migrations/1796600500000-add-email-mailboxes-thread.js';
import { AddEmailMailboxesSortKeys1796700000000 } from './migrations/1796700000000-add-email-mailboxes-sort-keys.js';
import { AddMailboxCounts1796800000000 } from './migrations/1796800000000-add-mailbox-counts.js';
import { AddLockForDelivery1796900000000 } from './migrations/1796900000000-add-lock-for-delivery.js';

export const MAILBOX_SCHEMA = 'mailbox';

/** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
export const mailboxMigrations = [
  CreateMailboxTables1795737600000,
  AddSyncAndBlobs1795824000000,
  AddSubmissions1796000000000,
  AddVacationResponses1796100000000,
  AddVacationState1796200000000,
  IndexPendingSubmissions1796300000000,
  AddStoredBodyParts1796400000000,
  AddThreadMessageIds1796500000000,
  AddEmailMailboxes1796500500000,
  AccountStateHotUpdates1796600000000,
  AddEmailMailboxesThread1796600500000,
  AddEmailMailboxesSortKeys1796700000000,
  AddMailboxCounts1796800000000,
  AddLockForDelivery1796900000000,
];

export function mailboxDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: MAILBOX_SCHEMA,
    applicationName: 'mailbox',
    // The tables are declared once, by the migrations; the code reads them through the schema types
    // generated from them (schema.generated.ts), not through entities.
    entities: [],
    migrations: mailboxMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: 10,
  };
}

import type { DataSourceOptions } from 'typeorm';
import { EasDevice } from '../state/entities/eas-device.entity.js';
import { FolderState } from '../state/entities/folder-state.entity.js';
import { SyncState } from '../state/entities/sync-state.entity.js';
import { LastSyncRequest } from '../usecases/hold-sync/last-sync-request.entity.js';
import { SentMessage } from '../usecases/send-mail/sent-message.entity.js';
import { OutOfOfficeSetting } from '../usecases/set-out-of-office/out-of-office.entity.js';
import { CreateActiveSyncTables1796169600000 } from './migrations/1796169600000-create-activesync-tables.js';
import { SentMessagesAndSyncRequests1796342400000 } from './migrations/1796342400000-sent-messages-and-sync-requests.js';
import { OutOfOffice1796428800000 } from './migrations/1796428800000-out-of-office.js';
import { QuarantineHierarchy1796515200000 } from './migrations/1796515200000-quarantine-hierarchy.js';
import { KeptAnswerView1796601600000 } from './migrations/1796601600000-kept-answer-view.js';
import { HeldWindow1796688000000 } from './migrations/1796688000000-held-window.js';

export const ACTIVESYNC_SCHEMA = 'activesync';

export const activeSyncEntities = [
  EasDevice,
  FolderState,
  SyncState,
  SentMessage,
  LastSyncRequest,
  OutOfOfficeSetting,
];

/** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
export const activeSyncMigrations = [
  CreateActiveSyncTables1796169600000,
  SentMessagesAndSyncRequests1796342400000,
  OutOfOffice1796428800000,
  QuarantineHierarchy1796515200000,
  KeptAnswerView1796601600000,
  HeldWindow1796688000000,
];

export function activeSyncDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: ACTIVESYNC_SCHEMA,
    applicationName: 'activesync',
    entities: activeSyncEntities,
    migrations: activeSyncMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: 10,
    extra: { statement_timeout: 15_000 },
  };
}

import type { DataSourceOptions } from 'typeorm';
import { CreateOutboundTables1796100000000 } from './migrations/1796100000000-create-outbound-tables.js';
import { AddDkimKeys1796200000000 } from './migrations/1796200000000-add-dkim-keys.js';
import { RotateDkimKeys1796300000000 } from './migrations/1796300000000-rotate-dkim-keys.js';
import { QueueAdministration1796400000000 } from './migrations/1796400000000-queue-administration.js';

export const OUTBOUND_SCHEMA = 'outbound';

/** Listed explicitly, oldest first. */
export const outboundMigrations = [
  CreateOutboundTables1796100000000,
  AddDkimKeys1796200000000,
  RotateDkimKeys1796300000000,
  QueueAdministration1796400000000,
];

export function outboundDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: OUTBOUND_SCHEMA,
    applicationName: 'outbound',
    entities: [],
    migrations: outboundMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: 10,
  };
}

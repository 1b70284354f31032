import type { DataSourceOptions } from 'typeorm';
import { CreateOperationsTrail1796083200000 } from './migrations/1796083200000-create-operations-trail.js';
import { TrailDeviceOrderIndex1796688000000 } from './migrations/1796688000000-trail-device-order-index.js';

export const OPERATIONS_SCHEMA = 'operations';

/** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
export const operationsMigrations = [CreateOperationsTrail1796083200000, TrailDeviceOrderIndex1796688000000];

/** The trail is written and read with plain SQL: operations has no entities. */
export function operationsDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: OPERATIONS_SCHEMA,
    applicationName: 'operations',
    entities: [],
    migrations: operationsMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: 5,
  };
}

import type { DataSourceOptions } from 'typeorm';
import { Account } from '../accounts/entities/account.entity.js';
import { DeviceToken } from '../devices/entities/device-token.entity.js';
import { Device } from '../devices/entities/device.entity.js';
import { CreateRegistryTables1795737600000 } from './migrations/1795737600000-create-registry-tables.js';

export const REGISTRY_SCHEMA = 'registry';

export const registryEntities = [Account, Device, DeviceToken];

/** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
export const registryMigrations = [CreateRegistryTables1795737600000];

export function registryDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: REGISTRY_SCHEMA,
    applicationName: 'device-registry',
    entities: registryEntities,
    migrations: registryMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: 10,
  };
}

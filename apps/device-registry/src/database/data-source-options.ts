import type { DataSourceOptions } from 'typeorm';
import { AccessRule } from '../access/entities/access-rule.entity.js';
import { DeviceExemption } from '../access/entities/device-exemption.entity.js';
import { Account } from '../accounts/entities/account.entity.js';
import { DeviceEventRecord } from '../device-events/entities/device-event-record.entity.js';
import { DeviceToken } from '../devices/entities/device-token.entity.js';
import { Device } from '../devices/entities/device.entity.js';
import { Policy } from '../policies/entities/policy.entity.js';
import { OrgSettings } from '../settings/entities/org-settings.entity.js';
import { DeviceWipe } from '../wipes/entities/device-wipe.entity.js';
import { CreateRegistryTables1795737600000 } from './migrations/1795737600000-create-registry-tables.js';
import { DeviceManagement1795824000000 } from './migrations/1795824000000-device-management.js';
import { DeviceTrail1795910400000 } from './migrations/1795910400000-device-trail.js';
import { DropDeviceTrail1796083200000 } from './migrations/1796083200000-drop-device-trail.js';
import { SignInThrottle1796256000000 } from './migrations/1796256000000-sign-in-throttle.js';

export const REGISTRY_SCHEMA = 'registry';

export const registryEntities = [
  Account,
  Device,
  DeviceToken,
  AccessRule,
  DeviceExemption,
  OrgSettings,
  Policy,
  DeviceWipe,
  DeviceEventRecord,
];

/** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
export const registryMigrations = [
  CreateRegistryTables1795737600000,
  DeviceManagement1795824000000,
  DeviceTrail1795910400000,
  DropDeviceTrail1796083200000,
  SignInThrottle1796256000000,
];

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

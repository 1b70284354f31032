import type { DataSourceOptions } from 'typeorm';

export interface ServiceDataSource {
  /** The Postgres schema the service owns; its migrations table lives there. */
  schema: string;
  /** How the service's connections show in `pg_stat_activity`. */
  applicationName: string;
  /** Listed explicitly, oldest first: a bundle or a glob cannot silently drop or reorder one. */
  migrations: NonNullable<DataSourceOptions['migrations']>;
  /** None for a service that reads and writes its tables with plain SQL. */
  entities?: NonNullable<DataSourceOptions['entities']>;
  poolSize?: number;
}

/** A service's datasource on its own schema: migrations only, never synchronised, run under the lock by the caller. */
export function serviceDataSourceOptions(databaseUrl: string, service: ServiceDataSource): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema: service.schema,
    applicationName: service.applicationName,
    entities: service.entities ?? [],
    migrations: service.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: service.poolSize ?? 5,
  };
}

import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { CONFIG, LOGGER } from '../config/config.module.js';
import { ReadinessRegistry } from '../health/health.module.js';
import { migrateWithLock } from './migrate.js';
import { withStatementLimits } from './statement-limits.js';

const DATABASE_SCHEMA = Symbol('DATABASE_SCHEMA');

export interface DatabaseOptions {
  /** The Postgres schema the service owns; its migrations table lives there. */
  schema: string;
  /** The service's datasource (entities, migrations) for a connection URL. */
  dataSourceOptions: (databaseUrl: string) => DataSourceOptions;
}

/** Brings the schema up to date before anything reads it: hooks run before the server listens. */
@Injectable()
class DatabaseLifecycle implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(DATABASE_SCHEMA) private readonly schema: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrateWithLock(this.dataSource, this.schema, this.logger);
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
      return true;
    });
  }
}

/**
 * A service's one TypeORM datasource on its own schema, migrated under the advisory lock before the
 * service takes traffic, and its readiness check. The service's config (`CONFIG`) carries the
 * variables of `databaseConfigShape`: every statement has its timeout, and is cancelled when the
 * request that sent it ends (withStatementLimits).
 */
@Module({})
export class DatabaseModule {
  static register(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [CONFIG],
          useFactory: (config: { DATABASE_URL: string; DATABASE_STATEMENT_TIMEOUT_MS?: number }) => ({
            ...withStatementLimits(options.dataSourceOptions(config.DATABASE_URL), {
              statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
            }),
            retryAttempts: 5,
            retryDelay: 2000,
          }),
        }),
      ],
      providers: [{ provide: DATABASE_SCHEMA, useValue: options.schema }, DatabaseLifecycle],
    };
  }
}

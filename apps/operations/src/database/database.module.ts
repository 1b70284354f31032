import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { migrateWithLock, ReadinessRegistry } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { OPERATIONS_CONFIG, OPERATIONS_LOGGER, type OperationsConfig } from '../config/operations-config.js';
import { OPERATIONS_SCHEMA, operationsDataSourceOptions } from './data-source-options.js';

/** Brings the schema up to date before anything reads it: hooks run before the server listens. */
@Injectable()
class DatabaseLifecycle implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(OPERATIONS_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrateWithLock(this.dataSource, OPERATIONS_SCHEMA, this.logger);
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
      return true;
    });
  }
}

@Module({})
export class DatabaseModule {
  static register(): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [OPERATIONS_CONFIG],
          useFactory: (config: OperationsConfig) => ({
            ...operationsDataSourceOptions(config.DATABASE_URL),
            retryAttempts: 5,
            retryDelay: 2000,
          }),
        }),
      ],
      providers: [DatabaseLifecycle],
    };
  }
}

import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CONFIG, LOGGER, migrateWithLock, ReadinessRegistry } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { RegistryConfig } from '../config/registry-config.js';
import { REGISTRY_SCHEMA, registryDataSourceOptions } from './data-source-options.js';

/** Brings the schema up to date before anything reads it: hooks run before the server listens. */
@Injectable()
class DatabaseLifecycle implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrateWithLock(this.dataSource, REGISTRY_SCHEMA, this.logger);
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
          inject: [CONFIG],
          useFactory: (config: RegistryConfig) => ({
            ...registryDataSourceOptions(config.DATABASE_URL),
            retryAttempts: 5,
            retryDelay: 2000,
          }),
        }),
      ],
      providers: [DatabaseLifecycle],
    };
  }
}

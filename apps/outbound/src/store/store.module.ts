import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CONFIG, LOGGER, migrateWithLock, ReadinessRegistry } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OutboundConfig } from '../config/outbound-config.js';
import { OUTBOUND_SCHEMA, outboundDataSourceOptions } from './data-source-options.js';

/**
 * Brings the schema up to date before anything reads it: init hooks complete before the consumer
 * starts (bootstrap hooks) and before the server listens.
 */
@Injectable()
class StoreLifecycle implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await migrateWithLock(this.dataSource, OUTBOUND_SCHEMA, this.logger);
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
      return true;
    });
  }
}

/**
 * The service's one DataSource. TypeORM's module destroys it on application shutdown, which Nest
 * runs after every module's destroy hook, so the consumer has finished its batch by then.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: OutboundConfig) => ({
        ...outboundDataSourceOptions(config.DATABASE_URL),
        retryAttempts: 5,
        retryDelay: 2000,
      }),
    }),
  ],
  providers: [StoreLifecycle],
})
export class StoreModule {}

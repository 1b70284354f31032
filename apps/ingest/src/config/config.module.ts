import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { INGEST_CONFIG, INGEST_LOGGER, type IngestConfig } from './ingest-config.js';

/** The validated configuration and the service's logger, available to every module. */
@Module({})
export class ConfigModule {
  static register(config: IngestConfig, logger: Logger): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: INGEST_LOGGER, useValue: logger },
      ],
      exports: [INGEST_CONFIG, INGEST_LOGGER],
    };
  }
}

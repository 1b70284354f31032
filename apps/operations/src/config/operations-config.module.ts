import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { OPERATIONS_CONFIG, OPERATIONS_LOGGER, type OperationsConfig } from './operations-config.js';

/** The validated configuration and the service's logger, visible to every module. */
@Module({})
export class OperationsConfigModule {
  static register(config: OperationsConfig, logger: Logger): DynamicModule {
    return {
      module: OperationsConfigModule,
      global: true,
      providers: [
        { provide: OPERATIONS_CONFIG, useValue: config },
        { provide: OPERATIONS_LOGGER, useValue: logger },
      ],
      exports: [OPERATIONS_CONFIG, OPERATIONS_LOGGER],
    };
  }
}

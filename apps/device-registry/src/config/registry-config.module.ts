import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { REGISTRY_CONFIG, REGISTRY_LOGGER, type RegistryConfig } from './registry-config.js';

/** The validated configuration and the service's logger, visible to every module. */
@Module({})
export class RegistryConfigModule {
  static register(config: RegistryConfig, logger: Logger): DynamicModule {
    return {
      module: RegistryConfigModule,
      global: true,
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        { provide: REGISTRY_LOGGER, useValue: logger },
      ],
      exports: [REGISTRY_CONFIG, REGISTRY_LOGGER],
    };
  }
}

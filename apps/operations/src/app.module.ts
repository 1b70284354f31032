import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createLogger, DatabaseModule, HealthModule, MessagingModule } from '@pushmail/platform';
import type { Logger } from 'pino';
import { ConsoleModule } from './console/console.module.js';
import { OperationsConfigModule } from './config/operations-config.module.js';
import { OPERATIONS_CONFIG, OPERATIONS_LOGGER, type OperationsConfig } from './config/operations-config.js';
import { OPERATIONS_SCHEMA, operationsDataSourceOptions } from './database/data-source-options.js';
import { DiagnosticsModule } from './diagnostics/diagnostics.module.js';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { RegistryForwardModule } from './registry/registry-forward.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { SelfTestModule } from './selftest/selftest.module.js';

@Module({})
export class AppModule {
  static register(config: OperationsConfig, logger: Logger = createLogger('operations')): DynamicModule {
    return {
      module: AppModule,
      imports: [
        OperationsConfigModule.register(config, logger),
        HealthModule,
        DatabaseModule.register({
          schema: OPERATIONS_SCHEMA,
          dataSourceOptions: operationsDataSourceOptions,
          configToken: OPERATIONS_CONFIG,
          loggerToken: OPERATIONS_LOGGER,
        }),
        MessagingModule.register({
          clientId: 'operations',
          configToken: OPERATIONS_CONFIG,
          loggerToken: OPERATIONS_LOGGER,
        }),
        RegistryModule,
        DiagnosticsModule,
        SelfTestModule,
        ConsoleModule,
        OpenApiModule,
        // Last: it forwards whatever `/admin` call the modules above do not answer.
        RegistryForwardModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: JsonExceptionFilter }],
    };
  }
}

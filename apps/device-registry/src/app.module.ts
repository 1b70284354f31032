import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createLogger, DatabaseModule, HealthModule, MessagingModule } from '@pushmail/platform';
import type { Logger } from 'pino';
import { AccessModule } from './access/access.module.js';
import { AccountsModule } from './accounts/accounts.module.js';
import { RegistryConfigModule } from './config/registry-config.module.js';
import { REGISTRY_CONFIG, REGISTRY_LOGGER, type RegistryConfig } from './config/registry-config.js';
import { REGISTRY_SCHEMA, registryDataSourceOptions } from './database/data-source-options.js';
import { DevicesModule } from './devices/devices.module.js';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { MetricsModule } from './metrics/registry-metrics.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { PoliciesModule } from './policies/policies.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { WipesModule } from './wipes/wipes.module.js';

@Module({})
export class AppModule {
  static register(config: RegistryConfig, logger: Logger = createLogger('device-registry')): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RegistryConfigModule.register(config, logger),
        HealthModule,
        MetricsModule,
        DatabaseModule.register({
          schema: REGISTRY_SCHEMA,
          dataSourceOptions: registryDataSourceOptions,
          configToken: REGISTRY_CONFIG,
          loggerToken: REGISTRY_LOGGER,
        }),
        MessagingModule.register({
          clientId: 'device-registry',
          configToken: REGISTRY_CONFIG,
          loggerToken: REGISTRY_LOGGER,
        }),
        AccountsModule,
        DevicesModule,
        AccessModule,
        PoliciesModule,
        WipesModule,
        SettingsModule,
        OpenApiModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: JsonExceptionFilter }],
    };
  }
}

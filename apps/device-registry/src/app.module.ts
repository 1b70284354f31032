import { Module } from '@nestjs/common';
import { DatabaseModule } from '@pushmail/platform';
import { AccessModule } from './access/access.module.js';
import { AccountsModule } from './accounts/accounts.module.js';
import { REGISTRY_SCHEMA, registryDataSourceOptions } from './database/data-source-options.js';
import { DevicesModule } from './devices/devices.module.js';
import { MetricsModule } from './metrics/registry-metrics.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { PoliciesModule } from './policies/policies.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { WipesModule } from './wipes/wipes.module.js';

@Module({
  imports: [
    MetricsModule,
    DatabaseModule.register({ schema: REGISTRY_SCHEMA, dataSourceOptions: registryDataSourceOptions }),
    AccountsModule,
    DevicesModule,
    AccessModule,
    PoliciesModule,
    WipesModule,
    SettingsModule,
    OpenApiModule,
  ],
})
export class AppModule {}

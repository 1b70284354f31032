import { Module } from '@nestjs/common';
import { AccessModule } from './access/access.module.js';
import { AccountsModule } from './accounts/accounts.module.js';
import { DatabaseModule } from './database/database.module.js';
import { ConsoleModule } from './console/console.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { DiagnosticsModule } from './diagnostics/diagnostics.module.js';
import { MetricsModule } from './metrics/registry-metrics.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { PoliciesModule } from './policies/policies.module.js';
import { SelfTestModule } from './selftest/selftest.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { WipesModule } from './wipes/wipes.module.js';

@Module({
  imports: [
    MetricsModule,
    DatabaseModule.register(),
    AccountsModule,
    DevicesModule,
    AccessModule,
    PoliciesModule,
    WipesModule,
    SettingsModule,
    OpenApiModule,
    DiagnosticsModule,
    SelfTestModule,
    ConsoleModule,
  ],
})
export class AppModule {}

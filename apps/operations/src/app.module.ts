import { Module } from '@nestjs/common';
import { DatabaseModule } from '@pushmail/platform';
import { ConsoleModule } from './console/console.module.js';
import { OPERATIONS_SCHEMA, operationsDataSourceOptions } from './database/data-source-options.js';
import { DiagnosticsModule } from './diagnostics/diagnostics.module.js';
import { AdminForwardModule } from './forwarding/admin-forward.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { SelfTestModule } from './selftest/selftest.module.js';

@Module({
  imports: [
    DatabaseModule.register({ schema: OPERATIONS_SCHEMA, dataSourceOptions: operationsDataSourceOptions }),
    RegistryModule,
    DiagnosticsModule,
    SelfTestModule,
    ConsoleModule,
    OpenApiModule,
    // Last: it forwards whatever `/admin` call the modules above do not answer.
    AdminForwardModule,
  ],
})
export class AppModule {}

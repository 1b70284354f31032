import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, HealthModule, type ServiceContext } from '@pushmail/platform';
import type { IngestConfig } from './config/ingest-config.js';
import { SmtpModule } from './smtp/smtp.module.js';

@Module({})
export class AppModule {
  static register(context: ServiceContext<IngestConfig>): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(context), HealthModule, SmtpModule],
    };
  }
}

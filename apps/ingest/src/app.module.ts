import { type DynamicModule, Module } from '@nestjs/common';
import { createLogger, HealthModule, MessagingModule } from '@pushmail/platform';
import type { Logger } from 'pino';
import { ConfigModule } from './config/config.module.js';
import { INGEST_CONFIG, INGEST_LOGGER, type IngestConfig } from './config/ingest-config.js';
import { SmtpModule } from './smtp/smtp.module.js';

@Module({})
export class AppModule {
  static register(config: IngestConfig, logger: Logger = createLogger('ingest')): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(config, logger),
        HealthModule,
        MessagingModule.register({
          clientId: 'ingest',
          configToken: INGEST_CONFIG,
          loggerToken: INGEST_LOGGER,
        }),
        SmtpModule,
      ],
    };
  }
}

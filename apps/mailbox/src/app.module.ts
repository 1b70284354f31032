import { type DynamicModule, Module } from '@nestjs/common';
import { createLogger, HealthModule, MessagingModule } from '@pushmail/platform';
import type { Logger } from 'pino';
import { ChangesModule } from './changes/changes.module.js';
import { MAILBOX_CONFIG, MAILBOX_LOGGER } from './config/mailbox-config.js';
import { MailboxConfigModule } from './config/mailbox-config.module.js';
import {
  DEFAULT_RUNTIME_OPTIONS,
  type MailboxConfig,
  type MailboxRuntimeOptions,
} from './config/mailbox-config.js';
import { JmapModule } from './jmap/jmap.module.js';
import { StoreModule } from './store/store.module.js';
import { StoreDeliveryModule } from './usecases/store-delivery/store-delivery.module.js';

@Module({})
export class AppModule {
  static register(
    config: MailboxConfig,
    logger: Logger = createLogger('mailbox'),
    options: MailboxRuntimeOptions = DEFAULT_RUNTIME_OPTIONS,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MailboxConfigModule.register(config, logger, options),
        HealthModule,
        StoreModule,
        MessagingModule.register({
          clientId: 'mailbox',
          configToken: MAILBOX_CONFIG,
          loggerToken: MAILBOX_LOGGER,
        }),
        ChangesModule,
        StoreDeliveryModule,
        JmapModule,
      ],
    };
  }
}

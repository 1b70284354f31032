import { type DynamicModule, Module } from '@nestjs/common';
import {
  CONFIG,
  ConfigModule,
  HealthModule,
  LOGGER,
  MessagingModule,
  type ServiceContext,
} from '@pushmail/platform';
import { ChangesModule } from './changes/changes.module.js';
import type { MailboxConfig } from './config/mailbox-config.js';
import { JmapModule } from './jmap/jmap.module.js';
import { StoreModule } from './store/store.module.js';
import { StoreDeliveryModule } from './usecases/store-delivery/store-delivery.module.js';

@Module({})
export class AppModule {
  static register(context: ServiceContext<MailboxConfig>): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(context),
        HealthModule,
        StoreModule,
        MessagingModule.register({
          clientId: context.name,
          configToken: CONFIG,
          loggerToken: LOGGER,
        }),
        ChangesModule,
        StoreDeliveryModule,
        JmapModule,
      ],
    };
  }
}

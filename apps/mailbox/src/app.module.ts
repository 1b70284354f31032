import { Module } from '@nestjs/common';
import { DatabaseModule } from '@pushmail/platform';
import { ChangesModule } from './changes/changes.module.js';
import { JmapModule } from './jmap/jmap.module.js';
import { MAILBOX_SCHEMA, mailboxDataSourceOptions } from './store/data-source-options.js';
import { StoreDeliveryModule } from './usecases/store-delivery/store-delivery.module.js';

@Module({
  imports: [
    DatabaseModule.register({ schema: MAILBOX_SCHEMA, dataSourceOptions: mailboxDataSourceOptions }),
    ChangesModule,
    StoreDeliveryModule,
    JmapModule,
  ],
})
export class AppModule {}

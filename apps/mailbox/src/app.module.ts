import { Module } from '@nestjs/common';
import { DatabaseModule } from '@pushmail/platform';
import { ChangesModule } from './changes/changes.module.js';
import { JmapModule } from './jmap/jmap.module.js';
import { MAILBOX_SCHEMA, mailboxDataSourceOptions } from './store/data-source-options.js';
import { RecordDeliveryStatusModule } from './usecases/record-delivery-status/record-delivery-status.module.js';
import { StoreDeliveryModule } from './usecases/store-delivery/store-delivery.module.js';

@Module({
  imports: [
    // TypeORM destroys the datasource on shutdown after every module's destroy hook, so the
    // consumer has finished its batch by then.
    DatabaseModule.register({ schema: MAILBOX_SCHEMA, dataSourceOptions: mailboxDataSourceOptions }),
    ChangesModule,
    StoreDeliveryModule,
    RecordDeliveryStatusModule,
    JmapModule,
  ],
})
export class AppModule {}

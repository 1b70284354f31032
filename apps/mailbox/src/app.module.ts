import { Module } from '@nestjs/common';
import { ChangesModule } from './changes/changes.module.js';
import { JmapModule } from './jmap/jmap.module.js';
import { StoreModule } from './store/store.module.js';
import { RecordDeliveryStatusModule } from './usecases/record-delivery-status/record-delivery-status.module.js';
import { StoreDeliveryModule } from './usecases/store-delivery/store-delivery.module.js';

@Module({
  imports: [StoreModule, ChangesModule, StoreDeliveryModule, RecordDeliveryStatusModule, JmapModule],
})
export class AppModule {}

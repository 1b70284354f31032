import { Module } from '@nestjs/common';
import { BlobsModule } from '../../blobs/blobs.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { PublishingModule } from '../../publishing/publishing.module.js';
import { DeliveryConsumer } from './delivery-consumer.service.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

@Module({
  imports: [PublishingModule, BlobsModule, MetricsModule],
  providers: [StoreDeliveryUseCase, DeliveryConsumer],
  exports: [StoreDeliveryUseCase],
})
export class StoreDeliveryModule {}

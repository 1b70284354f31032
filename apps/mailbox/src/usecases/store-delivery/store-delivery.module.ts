import { Module } from '@nestjs/common';
import { BlobsModule } from '../../blobs/blobs.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { PublishingModule } from '../../publishing/publishing.module.js';
import { MailArrivedController } from './mail-arrived.controller.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

@Module({
  imports: [PublishingModule, BlobsModule, MetricsModule],
  controllers: [MailArrivedController],
  providers: [StoreDeliveryUseCase],
  exports: [StoreDeliveryUseCase],
})
export class StoreDeliveryModule {}

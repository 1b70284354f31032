import { Module } from '@nestjs/common';
import { PublishingModule } from '../../publishing/publishing.module.js';
import { DeliveryStatusController } from './delivery-status.controller.js';
import { RecordDeliveryStatusUseCase } from './record-delivery-status.usecase.js';

@Module({
  imports: [PublishingModule],
  controllers: [DeliveryStatusController],
  providers: [RecordDeliveryStatusUseCase],
  exports: [RecordDeliveryStatusUseCase],
})
export class RecordDeliveryStatusModule {}

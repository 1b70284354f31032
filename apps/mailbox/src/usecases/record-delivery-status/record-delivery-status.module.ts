import { Module } from '@nestjs/common';
import { ChangesModule } from '../../changes/changes.module.js';
import { DeliveryStatusController } from './delivery-status.controller.js';
import { RecordDeliveryStatusUseCase } from './record-delivery-status.usecase.js';

@Module({
  imports: [ChangesModule],
  controllers: [DeliveryStatusController],
  providers: [RecordDeliveryStatusUseCase],
  exports: [RecordDeliveryStatusUseCase],
})
export class RecordDeliveryStatusModule {}

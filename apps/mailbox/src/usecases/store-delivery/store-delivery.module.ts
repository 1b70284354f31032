import { Module } from '@nestjs/common';
import { PublishingModule } from '../../publishing/publishing.module.js';
import { DeliveryConsumer } from './delivery-consumer.service.js';
import { StoreDeliveryUseCase } from './store-delivery.usecase.js';

@Module({
  imports: [PublishingModule],
  providers: [StoreDeliveryUseCase, DeliveryConsumer],
  exports: [StoreDeliveryUseCase],
})
export class StoreDeliveryModule {}

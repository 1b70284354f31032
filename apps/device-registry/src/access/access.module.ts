import { Module } from '@nestjs/common';
import { PublishingModule } from '../publishing/publishing.module.js';
import { AccessController } from './access.controller.js';
import { AccessService } from './access.service.js';
import { DeviceAccessController } from './device-access.controller.js';

@Module({
  imports: [PublishingModule],
  controllers: [AccessController, DeviceAccessController],
  providers: [AccessService],
  exports: [AccessService],
})
export class AccessModule {}

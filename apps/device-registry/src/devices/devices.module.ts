import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { AdminDevicesController } from './admin-devices.controller.js';
import { DevicesController } from './devices.controller.js';
import { DevicesService } from './devices.service.js';
import { RegisterDevice } from './usecases/register-device/register-device.usecase.js';
import { RemoveDevice } from './usecases/remove-device/remove-device.usecase.js';

@Module({
  imports: [CredentialsModule, PublishingModule],
  controllers: [DevicesController, AdminDevicesController],
  providers: [DevicesService, RegisterDevice, RemoveDevice],
})
export class DevicesModule {}

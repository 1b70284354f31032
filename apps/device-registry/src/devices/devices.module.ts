import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { WipesModule } from '../wipes/wipes.module.js';
import { AdminDevicesController, AdminOrgDevicesController } from './admin-devices.controller.js';
import { DevicesController } from './devices.controller.js';
import { DevicesService } from './devices.service.js';
import { InternalDevicesController } from './internal-devices.controller.js';
import { PartnershipSignIn } from './partnership-sign-in.service.js';
import { Partnerships } from './partnerships.service.js';
import { AcknowledgePolicy } from '../usecases/acknowledge-policy/acknowledge-policy.usecase.js';
import { AuthenticateDevice } from '../usecases/authenticate-device/authenticate-device.usecase.js';
import { CheckDeviceToken } from '../usecases/check-device-token/check-device-token.usecase.js';
import { RecordActivity } from '../usecases/record-activity/record-activity.usecase.js';
import { RegisterDevice } from '../usecases/register-device/register-device.usecase.js';
import { RemoveDevice } from '../usecases/remove-device/remove-device.usecase.js';
import { RotateDeviceToken } from '../usecases/rotate-device-token/rotate-device-token.usecase.js';

@Module({
  imports: [CredentialsModule, PublishingModule, AccessModule, WipesModule],
  controllers: [
    DevicesController,
    AdminDevicesController,
    AdminOrgDevicesController,
    InternalDevicesController,
  ],
  providers: [
    DevicesService,
    Partnerships,
    PartnershipSignIn,
    RegisterDevice,
    AuthenticateDevice,
    RotateDeviceToken,
    AcknowledgePolicy,
    RecordActivity,
    CheckDeviceToken,
    RemoveDevice,
  ],
})
export class DevicesModule {}

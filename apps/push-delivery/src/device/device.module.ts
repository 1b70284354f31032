import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DeviceActivityReporter } from './device-activity.reporter.js';
import { DeviceGate } from './device-gate.service.js';
import { DeviceMethods } from './device-methods.js';
import { DeviceTokenController } from './device-token.controller.js';

/** Device management at the edge: the device capability's methods, the mail gate, token rotation, activity. */
@Module({
  imports: [AuthModule],
  controllers: [DeviceTokenController],
  providers: [DeviceMethods, DeviceGate, DeviceActivityReporter],
  exports: [DeviceGate],
})
export class DeviceModule {}

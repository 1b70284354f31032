import { Module } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service.js';
import { DevicesService } from '../devices/devices.service.js';
import { DiagnosticsController } from './diagnostics.controller.js';
import { DiagnosticsService } from './diagnostics.service.js';
import { TrailConsumers } from './trail-consumers.service.js';
import { TrailStore } from './trail-store.service.js';

@Module({
  controllers: [DiagnosticsController, TrailConsumers],
  providers: [TrailStore, DiagnosticsService, DevicesService, AccountsService],
  exports: [DiagnosticsService],
})
export class DiagnosticsModule {}

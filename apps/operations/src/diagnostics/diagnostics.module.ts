import { Module } from '@nestjs/common';
import { DiagnosticsController } from './diagnostics.controller.js';
import { DiagnosticsService } from './diagnostics.service.js';
import { TrailConsumers } from './trail-consumers.service.js';
import { TrailStore } from './trail-store.service.js';

@Module({
  controllers: [DiagnosticsController, TrailConsumers],
  providers: [TrailStore, DiagnosticsService],
  exports: [DiagnosticsService],
})
export class DiagnosticsModule {}

import { Module } from '@nestjs/common';
import { ApiModule } from '../api/api.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { EventSourceController } from './eventsource.controller.js';
import { EventSourceRegistry } from './eventsource-registry.js';

@Module({
  imports: [AuthModule, ApiModule],
  controllers: [EventSourceController],
  providers: [EventSourceRegistry],
  exports: [EventSourceRegistry],
})
export class EventSourceModule {}

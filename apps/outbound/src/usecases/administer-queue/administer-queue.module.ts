import { Module } from '@nestjs/common';
import { DeliverQueuedModule } from '../deliver-queued/deliver-queued.module.js';
import { AdministerQueue } from './administer-queue.usecase.js';
import { QueueController } from './queue.controller.js';

@Module({ imports: [DeliverQueuedModule], controllers: [QueueController], providers: [AdministerQueue] })
export class AdministerQueueModule {}

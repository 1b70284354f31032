import { Module } from '@nestjs/common';
import { AdministerQueue } from './administer-queue.usecase.js';
import { QueueController } from './queue.controller.js';

@Module({ controllers: [QueueController], providers: [AdministerQueue] })
export class AdministerQueueModule {}

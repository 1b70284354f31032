import { Module } from '@nestjs/common';
import { DeliverQueuedModule } from '../deliver-queued/deliver-queued.module.js';
import { MailSubmittedController } from './mail-submitted.controller.js';
import { QueueSubmissionUseCase } from './queue-submission.usecase.js';

@Module({
  imports: [DeliverQueuedModule],
  controllers: [MailSubmittedController],
  providers: [QueueSubmissionUseCase],
})
export class QueueSubmissionModule {}

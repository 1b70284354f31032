import { Module } from '@nestjs/common';
import { MailSubmittedController } from './mail-submitted.controller.js';
import { QueueSubmissionUseCase } from './queue-submission.usecase.js';

@Module({
  controllers: [MailSubmittedController],
  providers: [QueueSubmissionUseCase],
})
export class QueueSubmissionModule {}

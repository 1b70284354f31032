import { Module } from '@nestjs/common';
import { MailboxChangesPublisher } from './mailbox-changes.publisher.js';
import { UnpublishedChangesSweeper } from './unpublished-changes.sweeper.js';

@Module({
  providers: [MailboxChangesPublisher, UnpublishedChangesSweeper],
  exports: [MailboxChangesPublisher],
})
export class PublishingModule {}

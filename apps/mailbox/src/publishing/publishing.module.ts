import { Module } from '@nestjs/common';
import { MailboxChangesPublisher } from './mailbox-changes.publisher.js';

@Module({
  providers: [MailboxChangesPublisher],
  exports: [MailboxChangesPublisher],
})
export class PublishingModule {}

import { Module } from '@nestjs/common';
import { AnnouncementMarks } from './announcement-marks.js';
import { MailboxChangesPublisher } from './mailbox-changes.publisher.js';
import { UnpublishedChangesSweeper } from './unpublished-changes.sweeper.js';

@Module({
  providers: [AnnouncementMarks, MailboxChangesPublisher, UnpublishedChangesSweeper],
  exports: [MailboxChangesPublisher, AnnouncementMarks],
})
export class PublishingModule {}

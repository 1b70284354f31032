import { Module } from '@nestjs/common';
import { AccountChanges } from './account-changes.service.js';
import { AccountPublisher } from './account-publisher.service.js';
import { OutboxRelay } from './outbox-relay.service.js';

@Module({
  providers: [AccountPublisher, AccountChanges, OutboxRelay],
  exports: [AccountPublisher, AccountChanges],
})
export class PublishingModule {}

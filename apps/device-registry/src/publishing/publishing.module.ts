import { Module } from '@nestjs/common';
import { AccountPublisher } from './account-publisher.service.js';
import { OutboxRelay } from './outbox-relay.service.js';

@Module({
  providers: [AccountPublisher, OutboxRelay],
  exports: [AccountPublisher],
})
export class PublishingModule {}

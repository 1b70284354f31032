import { Module } from '@nestjs/common';
import { EventSourceModule } from '../eventsource/eventsource.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { MailboxChangesConsumer } from './mailbox-changes.consumer.js';
import { PushFanout } from './push-fanout.service.js';

@Module({
  imports: [SocketModule, EventSourceModule],
  providers: [PushFanout, MailboxChangesConsumer],
})
export class PushModule {}

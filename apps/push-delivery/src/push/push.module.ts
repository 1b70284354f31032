import { Module } from '@nestjs/common';
import { SocketModule } from '../socket/socket.module.js';
import { MailboxChangesConsumer } from './mailbox-changes.consumer.js';
import { PushFanout } from './push-fanout.service.js';

@Module({
  imports: [SocketModule],
  providers: [PushFanout, MailboxChangesConsumer],
})
export class PushModule {}

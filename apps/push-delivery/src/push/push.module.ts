import { Module } from '@nestjs/common';
import { EventSourceModule } from '../eventsource/eventsource.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { MailboxChangesController } from './mailbox-changes.controller.js';
import { PushFanout } from './push-fanout.service.js';

@Module({
  imports: [SocketModule, EventSourceModule],
  controllers: [MailboxChangesController],
  providers: [PushFanout],
})
export class PushModule {}

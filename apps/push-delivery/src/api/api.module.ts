import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DeviceModule } from '../device/device.module.js';
import { SessionModule } from '../session/session.module.js';
import { JmapApiController } from './jmap-api.controller.js';
import { JmapExecutor, MAILBOX_API, mailboxApiProvider } from './jmap-executor.service.js';
import { MailboxClient } from './mailbox-client.js';

@Module({
  imports: [AuthModule, SessionModule, DeviceModule],
  controllers: [JmapApiController],
  providers: [MailboxClient, mailboxApiProvider, JmapExecutor],
  exports: [JmapExecutor, MAILBOX_API],
})
export class ApiModule {}

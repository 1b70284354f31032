import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module.js';
import { InternalTokenGuard } from './internal-token.guard.js';
import { JmapController } from './jmap.controller.js';
import { JmapService } from './jmap.service.js';
import { EmailMethods } from './methods/email.methods.js';
import { MailboxMethods } from './methods/mailbox.methods.js';
import { ThreadMethods } from './methods/thread.methods.js';

@Module({
  imports: [ChangesModule],
  controllers: [JmapController],
  providers: [InternalTokenGuard, JmapService, EmailMethods, MailboxMethods, ThreadMethods],
})
export class JmapModule {}

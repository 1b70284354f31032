import { Module } from '@nestjs/common';
import { MailboxClient } from '../api/mailbox-client.js';
import { AuthModule } from '../auth/auth.module.js';
import { MailboxLimitsCache } from './mailbox-limits.js';
import { SessionController } from './session.controller.js';
import { SessionService } from './session.service.js';

@Module({
  imports: [AuthModule],
  controllers: [SessionController],
  providers: [MailboxClient, MailboxLimitsCache, SessionService],
  exports: [SessionService],
})
export class SessionModule {}

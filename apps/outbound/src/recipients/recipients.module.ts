import { Module } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OutboundConfig } from '../config/outbound-config.js';
import { AccountsViewService } from './accounts-view.service.js';
import { LocalRecipients } from './local-recipients.js';

@Module({
  providers: [
    {
      provide: LocalRecipients,
      inject: [CONFIG],
      useFactory: (config: OutboundConfig) => new LocalRecipients(config.MAIL_DOMAINS),
    },
    AccountsViewService,
  ],
  exports: [LocalRecipients, AccountsViewService],
})
export class RecipientsModule {}

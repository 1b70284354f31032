import { Module } from '@nestjs/common';
import { AccountsView, CONFIG } from '@pushmail/platform';
import type { OutboundConfig } from '../config/outbound-config.js';
import { LocalRecipients } from './local-recipients.js';

@Module({
  providers: [
    {
      provide: LocalRecipients,
      inject: [CONFIG],
      useFactory: (config: OutboundConfig) => new LocalRecipients(config.MAIL_DOMAINS),
    },
    // Mail for a hosted address never leaves over SMTP: every account is known before sending.
    AccountsView.provider('outbound-accounts', LocalRecipients),
  ],
  exports: [LocalRecipients, AccountsView],
})
export class RecipientsModule {}

import { Module } from '@nestjs/common';
import { AccountsView, CONFIG } from '@pushmail/platform';
import type { IngestConfig } from '../config/ingest-config.js';
import { RecipientDirectory } from './recipient-directory.js';

@Module({
  providers: [
    {
      provide: RecipientDirectory,
      inject: [CONFIG],
      useFactory: (config: IngestConfig) =>
        new RecipientDirectory(config.MAIL_DOMAINS, config.POSTMASTER_ACCOUNT),
    },
    AccountsView.provider('ingest-accounts', RecipientDirectory),
  ],
  exports: [RecipientDirectory, AccountsView],
})
export class RecipientsModule {}

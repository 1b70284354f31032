import { Module } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { IngestConfig } from '../config/ingest-config.js';
import { AccountsViewService } from './accounts-view.service.js';
import { RecipientDirectory } from './recipient-directory.js';

@Module({
  providers: [
    {
      provide: RecipientDirectory,
      inject: [CONFIG],
      useFactory: (config: IngestConfig) =>
        new RecipientDirectory(config.MAIL_DOMAINS, config.POSTMASTER_ACCOUNT),
    },
    AccountsViewService,
  ],
  exports: [RecipientDirectory, AccountsViewService],
})
export class RecipientsModule {}

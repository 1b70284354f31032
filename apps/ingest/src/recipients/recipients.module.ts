import { Module } from '@nestjs/common';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest-config.js';
import { AccountsViewService } from './accounts-view.service.js';
import { RecipientDirectory } from './recipient-directory.js';

@Module({
  providers: [
    {
      provide: RecipientDirectory,
      inject: [INGEST_CONFIG],
      useFactory: (config: IngestConfig) => new RecipientDirectory(config.MAIL_DOMAINS),
    },
    AccountsViewService,
  ],
  exports: [RecipientDirectory, AccountsViewService],
})
export class RecipientsModule {}

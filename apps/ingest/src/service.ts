import type { ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { ingestConfigSchema } from './config/ingest-config.js';
import { SmtpLifecycleService } from './smtp/smtp-lifecycle.service.js';

export const ingestService: ServiceDefinition<typeof ingestConfigSchema> = {
  name: 'ingest',
  configSchema: ingestConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'INGEST_HTTP_PORT',
  afterListen: (app, { config, logger }) => {
    logger.info({ domains: config.MAIL_DOMAINS }, 'accepting mail for these domains');
    // SMTP opens later, once the accounts are known; if it cannot, the service is of no use.
    app.get(SmtpLifecycleService).serving.catch(async () => {
      await app.close();
      process.exit(1);
    });
  },
};

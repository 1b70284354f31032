import type { ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { outboundConfigSchema } from './config/outbound-config.js';

export const outboundService: ServiceDefinition<typeof outboundConfigSchema> = {
  name: 'outbound',
  configSchema: outboundConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'OUTBOUND_HTTP_PORT',
  afterListen: (_app, { config, logger }) => {
    logger.info(
      { route: config.RELAY_URL ? 'smarthost' : 'mx', hostedDomains: config.MAIL_DOMAINS },
      'delivering submitted mail',
    );
  },
};

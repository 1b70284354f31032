import type { ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { pushConfigSchema } from './config/push-config.js';

/**
 * No body parser: the JMAP endpoint reads its own bytes so a malformed or oversized request gets
 * a JMAP problem, not a generic parser error.
 */
export const pushService: ServiceDefinition<typeof pushConfigSchema> = {
  name: 'push-delivery',
  configSchema: pushConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'PUSH_HTTP_PORT',
  afterListen: (_app, { config, logger }) => {
    logger.info({ publicUrl: config.PUBLIC_URL, mailboxUrl: config.MAILBOX_URL }, 'serving devices');
  },
};

import type { ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { registryConfigSchema } from './config/registry-config.js';

export const registryService: ServiceDefinition<typeof registryConfigSchema> = {
  name: 'device-registry',
  configSchema: registryConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'REGISTRY_HTTP_PORT',
  http: { json: { limit: 64 * 1024 } },
  afterListen: (_app, { config, logger }) => {
    if (config.INTERNAL_TOKEN === undefined) {
      logger.warn(
        'INTERNAL_TOKEN is not set: password sign-ins of standard clients, policy acknowledgements and wipe confirmations through push-delivery are refused',
      );
    }
  },
};

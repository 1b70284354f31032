import type { ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { operationsConfigSchema } from './config/operations-config.js';

export const operationsService: ServiceDefinition<typeof operationsConfigSchema> = {
  name: 'operations',
  configSchema: operationsConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'OPERATIONS_HTTP_PORT',
  http: { json: { limit: 64 * 1024 } },
  afterListen: (_app, { config, logger }) => {
    logger.info({ registry: config.REGISTRY_URL }, 'reading accounts and devices from device-registry');
  },
};

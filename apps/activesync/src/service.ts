import type { Server } from 'node:http';
import { serveBeforeFramework, type ServiceDefinition } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { activeSyncConfigSchema } from './config/activesync-config.js';
import { ActiveSyncController, isActiveSyncCommand } from './protocol/activesync.controller.js';

/**
 * No body parser: ActiveSync bodies are WBXML, read by the gateway itself within its size limit,
 * and Autodiscover reads its own XML.
 */
export const activeSyncService: ServiceDefinition<typeof activeSyncConfigSchema> = {
  name: 'activesync',
  configSchema: activeSyncConfigSchema,
  module: AppModule,
  messaging: true,
  port: 'ACTIVESYNC_HTTP_PORT',
  beforeListen: (app) => {
    // A parked Ping holds its response for up to the longest heartbeat; nothing may cut it before.
    const server = app.getHttpServer() as Server;
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    const controller = app.get(ActiveSyncController);
    serveBeforeFramework(server, {
      matches: isActiveSyncCommand,
      serve: (request, response) => controller.post(request, response),
    });
  },
  afterListen: (_app, { config, logger }) => {
    logger.info(
      {
        publicUrl: config.ACTIVESYNC_PUBLIC_URL,
        mailboxUrl: config.MAILBOX_URL,
        registryUrl: config.REGISTRY_URL,
      },
      'serving ActiveSync devices',
    );
  },
};

import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createServiceApp, type ServiceDefinition } from '@pushmail/platform';
import type { Logger } from 'pino';
import type { z } from 'zod';

export interface ListeningService {
  app: NestExpressApplication;
  port: number;
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
}

/**
 * A service as it starts in production (createServiceApp, then its `beforeListen`), with the test's
 * config and listening on an ephemeral loopback port: what an int-spec or a harness exercises.
 */
export async function listenOnLoopback<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  config: z.infer<S>,
  logger: Logger,
  options: { frameworkLogs?: boolean } = {},
): Promise<ListeningService> {
  const app = await createServiceApp(definition, config, logger, options);
  await definition.beforeListen?.(app, { name: definition.name, config, logger });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, port, baseUrl: `http://127.0.0.1:${port}` };
}

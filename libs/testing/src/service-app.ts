import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger, createServiceApp, loadConfig, type ServiceDefinition } from '@pushmail/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { createTestDatabase, type TestDatabase } from './platform-harness.js';
import { requiredEnv } from './required-env.js';

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

export interface ServiceWithDatabase extends ListeningService {
  database: TestDatabase;
  /** A client of the service's database, for what the test reads and writes there itself. */
  db: pg.Client;
  /** Closes the client and the service, then drops the database. */
  close(): Promise<void>;
}

/**
 * `definition` against a database of its own on the shared server (DATABASE_URL) and the shared
 * broker (KAFKA_BROKERS), `env` giving the rest of its config, listening on loopback as
 * {@link listenOnLoopback} starts it, logging warnings only and without the framework's logs.
 */
export async function listenWithOwnDatabase<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  env: Record<string, string>,
): Promise<ServiceWithDatabase> {
  const database = await createTestDatabase(requiredEnv('DATABASE_URL'));
  let listening: ListeningService;
  try {
    const config = loadConfig(definition.configSchema, {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
      ...env,
    });
    listening = await listenOnLoopback(definition, config, createLogger(definition.name, 'warn'), {
      frameworkLogs: false,
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  return {
    ...listening,
    database,
    db,
    close: async () => {
      await db.end();
      await listening.app.close();
      await database.drop();
    },
  };
}

import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ServiceContext } from '../config/config.module.js';
import { type BaseConfig, loadConfig, secretKeysOf } from '../config/load-config.js';
import { configureHttp, type HttpOptions } from '../http/configure-http.js';
import { createLogger, NestJsonLogger } from '../logging/logger.js';
import { startTracing } from '../tracing/tracing.js';

type PortKey<C> = { [K in keyof C]: C[K] extends number ? K : never }[keyof C];

export interface ServiceDefinition<S extends z.ZodObject> {
  /** In logs, traces, the Kafka client id. */
  name: string;
  /** The service's config schema, an extension of `baseConfigSchema`; it marks the secrets. */
  configSchema: S;
  /** The root module, given the context that `ConfigModule.forRoot` makes global. */
  module: (context: ServiceContext<z.infer<S>>) => DynamicModule;
  /** The config variable holding the HTTP port. */
  port: PortKey<z.infer<S>>;
  http?: HttpOptions;
  /**
   * Runs once the application is initialised (modules' init hooks done) and before it listens:
   * where microservice transports are connected (`app.connectMicroservice`, `startAllMicroservices`).
   */
  beforeListen?: (app: NestExpressApplication, context: ServiceContext<z.infer<S>>) => Promise<void> | void;
  /** Runs once the service listens: warnings about the config, work that needs the server up. */
  afterListen?: (app: NestExpressApplication, context: ServiceContext<z.infer<S>>) => Promise<void> | void;
}

/**
 * The application of a service, configured as in production and not yet listening. Tests use it
 * with a config of their own, so what they exercise is what runs.
 */
export async function createServiceApp<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  config: z.infer<S>,
  logger: Logger,
  options: { frameworkLogs?: boolean } = {},
): Promise<NestExpressApplication> {
  const context = { name: definition.name, config, logger };
  const app = await NestFactory.create<NestExpressApplication>(definition.module(context), {
    logger: options.frameworkLogs === false ? false : new NestJsonLogger(logger),
    bodyParser: false,
  });
  configureHttp(app, definition.http);
  app.enableShutdownHooks();
  return app;
}

/**
 * Starts a service the one way: tracing before anything else, config read and validated once, a
 * JSON logger whose redaction comes from the secrets the schema marks, the shared HTTP setup,
 * shutdown hooks, and on any failure one JSON line naming what went wrong and exit status 1.
 */
export async function bootstrapService<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
): Promise<void> {
  // Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
  startTracing(definition.name);
  let logger = createLogger(definition.name, { secrets: secretKeysOf(definition.configSchema) });
  try {
    const config = loadConfig(definition.configSchema) as z.infer<S> & BaseConfig;
    logger = createLogger(definition.name, {
      level: config.LOG_LEVEL,
      secrets: secretKeysOf(definition.configSchema),
    });
    const context = { name: definition.name, config, logger };
    const app = await createServiceApp(definition, config, logger);
    await app.init();
    await definition.beforeListen?.(app, context);
    const port = config[definition.port] as number;
    await app.listen(port, config.HTTP_HOST);
    logger.info({ port, host: config.HTTP_HOST }, `${definition.name} listening`);
    await definition.afterListen?.(app, context);
  } catch (error) {
    failStartup(definition.name, logger, error);
  }
}

/**
 * One JSON line and exit status 1. A ConfigError names the bad variables and never carries values;
 * other errors are logged by type and message only (a database error carries query parameters).
 */
export function failStartup(name: string, logger: Logger, error: unknown): void {
  const described =
    error instanceof Error ? { type: error.name, message: error.message } : { message: String(error) };
  logger.fatal({ err: described }, `${name} failed to start`);
  process.exitCode = 1;
  // Kafka clients may hold the event loop open; a service that cannot start must exit.
  setTimeout(() => process.exit(1), 1000).unref();
}

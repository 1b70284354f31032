import 'reflect-metadata';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream, Logger } from 'pino';
import type { z } from 'zod';
import { ConfigModule, type ServiceContext } from '../config/config.module.js';
import { type BaseConfig, loadConfig, secretKeysOf } from '../config/load-config.js';
import { HealthModule } from '../health/health.module.js';
import { configureHttp, type HttpOptions } from '../http/configure-http.js';
import { connectMessaging } from '../kafka/kafka-event-transport.js';
import { MessagingModule } from '../kafka/messaging.module.js';
import { createLogger, NestJsonLogger } from '../logging/logger.js';
import { startTracing } from '../tracing/tracing.js';

type PortKey<C> = { [K in keyof C]: C[K] extends number ? K : never }[keyof C];

export interface ServiceDefinition<S extends z.ZodObject> {
  /** In logs, traces, the Kafka client id. */
  name: string;
  /** The service's config schema, an extension of `baseConfigSchema`; it marks the secrets. */
  configSchema: S;
  /**
   * The module of the service's features. The platform puts it under a root that provides the
   * config, logger and name (`ConfigModule`), health and metrics, and, with `messaging`, the Kafka
   * client and producer.
   */
  module: Type<unknown>;
  /**
   * Whether the service speaks Kafka through the shared `MessagingModule`: its producer, and its
   * `@EventPattern` handlers served by the `KafkaEventTransport`, connected by the platform.
   */
  messaging?: boolean;
  /** The config variable holding the HTTP port. */
  port: PortKey<z.infer<S>>;
  http?: HttpOptions;
  /**
   * Runs once the application is initialised (modules' init hooks done, and with `messaging` its
   * Kafka handlers consuming) and before it listens.
   */
  beforeListen?: (app: NestExpressApplication, context: ServiceContext<z.infer<S>>) => Promise<void> | void;
  /** Runs once the service listens: warnings about the config, work that needs the server up. */
  afterListen?: (app: NestExpressApplication, context: ServiceContext<z.infer<S>>) => Promise<void> | void;
}

/**
 * The application of a service, configured as in production and not yet listening. With
 * `messaging`, it is initialised (migrations, topics, producer) and its `@EventPattern` handlers
 * consume before it is returned: the one place the Kafka transport is connected. Tests use it with
 * a config of their own, so what they exercise is what runs.
 */
export async function createServiceApp<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  config: z.infer<S>,
  logger: Logger,
  options: { frameworkLogs?: boolean } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    rootModule(definition, { name: definition.name, config, logger }),
    {
      logger: options.frameworkLogs === false ? false : new NestJsonLogger(logger),
      bodyParser: false,
    },
  );
  configureHttp(app, definition.http);
  app.enableShutdownHooks();
  if (definition.messaging) {
    try {
      await connectMessaging(app);
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
  }
  return app;
}

@Module({})
class ServiceRootModule {}

function rootModule<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  context: ServiceContext<z.infer<S>>,
): DynamicModule {
  const messaging = definition.messaging ? [MessagingModule.register({ clientId: context.name })] : [];
  return {
    module: ServiceRootModule,
    imports: [ConfigModule.forRoot(context), HealthModule, ...messaging, definition.module],
  };
}

export interface BootstrapOptions {
  /** The environment the config is read from. */
  env?: Record<string, string | undefined>;
  /** Where log lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
  /** Ends the process after a failed start. */
  exit?: (code: number) => void;
}

/**
 * Starts a service the one way: tracing before anything else, config read and validated once, a
 * JSON logger whose redaction comes from the secrets the schema marks, the shared HTTP setup,
 * shutdown hooks, and on any failure one JSON line naming what went wrong and exit status 1.
 * Resolves with the listening application, or undefined once a failure is reported.
 */
export async function bootstrapService<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
  { env = process.env, destination, exit = exitSoon }: BootstrapOptions = {},
): Promise<NestExpressApplication | undefined> {
  // Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
  startTracing(definition.name, env);
  const secrets = secretKeysOf(definition.configSchema);
  let logger = createLogger(definition.name, { level: env['LOG_LEVEL'], secrets, destination });
  try {
    const config = loadConfig(definition.configSchema, env) as z.infer<S> & BaseConfig;
    logger = createLogger(definition.name, { level: config.LOG_LEVEL, secrets, destination });
    const context = { name: definition.name, config, logger };
    const app = await createServiceApp(definition, config, logger);
    await app.init();
    await definition.beforeListen?.(app, context);
    const port = config[definition.port] as number;
    await app.listen(port, config.HTTP_HOST);
    logger.info({ port, host: config.HTTP_HOST }, `${definition.name} listening`);
    await definition.afterListen?.(app, context);
    return app;
  } catch (error) {
    // A ConfigError names the bad variables and never carries values; other errors are logged by
    // type and message only (a database error carries the query's parameters).
    const described =
      error instanceof Error ? { type: error.name, message: error.message } : { message: String(error) };
    logger.fatal({ error: described }, `${definition.name} failed to start`);
    exit(1);
    return undefined;
  }
}

function exitSoon(code: number): void {
  process.exitCode = code;
  // Kafka clients may hold the event loop open; a service that cannot start must exit.
  setTimeout(() => process.exit(code), 1000).unref();
}

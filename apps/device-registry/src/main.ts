import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { connectMessaging, createLogger, loadConfig, NestJsonLogger, startTracing } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { registryConfigSchema } from './config/registry-config.js';
import { configureHttp } from './http/configure-http.js';

// Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
startTracing('device-registry');

async function bootstrap(): Promise<void> {
  const config = loadConfig(registryConfigSchema);
  const logger = createLogger('device-registry');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger: new NestJsonLogger(logger),
    bodyParser: false,
  });
  configureHttp(app);
  app.enableShutdownHooks();
  // Migrations, topics and the producer are all in place once `listen` returns: they run in the
  // modules' init hooks, which complete before the server accepts connections.
  await connectMessaging(app);
  await app.listen(config.REGISTRY_HTTP_PORT, config.HTTP_HOST);
  if (config.INTERNAL_TOKEN === undefined) {
    logger.warn(
      'INTERNAL_TOKEN is not set: password sign-ins of standard clients, policy acknowledgements and wipe confirmations through push-delivery are refused',
    );
  }
  logger.info(
    { port: config.REGISTRY_HTTP_PORT, host: config.HTTP_HOST, mode: config.PUSHMAIL_MODE },
    'device-registry listening',
  );
}

bootstrap().catch((error: unknown) => {
  // A ConfigError names the bad variables and never carries secret values.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`device-registry failed to start: ${message}\n`);
  process.exit(1);
});

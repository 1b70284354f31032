import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { connectMessaging, createLogger, loadConfig, NestJsonLogger, startTracing } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { operationsConfigSchema } from './config/operations-config.js';
import { configureHttp } from './http/configure-http.js';

// Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
startTracing('operations');

async function bootstrap(): Promise<void> {
  const config = loadConfig(operationsConfigSchema);
  const logger = createLogger('operations');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger: new NestJsonLogger(logger),
    bodyParser: false,
  });
  configureHttp(app);
  app.enableShutdownHooks();
  // Migrations, topics and the producer are all in place once `listen` returns: they run in the
  // modules' init hooks, which complete before the server accepts connections.
  await connectMessaging(app);
  await app.listen(config.OPERATIONS_HTTP_PORT, config.HTTP_HOST);
  logger.info(
    { port: config.OPERATIONS_HTTP_PORT, host: config.HTTP_HOST, registry: config.REGISTRY_URL },
    'operations listening',
  );
}

bootstrap().catch((error: unknown) => {
  // A ConfigError names the bad variables and never carries secret values.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`operations failed to start: ${message}\n`);
  process.exit(1);
});

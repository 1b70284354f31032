import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { connectMessaging, createLogger, loadConfig, NestJsonLogger, startTracing } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { mailboxConfigSchema } from './config/mailbox-config.js';
import { configureHttp } from './http/configure-http.js';

// Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
startTracing('mailbox');

async function bootstrap(): Promise<void> {
  const config = loadConfig(mailboxConfigSchema);
  const logger = createLogger('mailbox');
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(config, logger, { deliveryGroupId: config.MAILBOX_DELIVERY_GROUP }),
    {
      logger: new NestJsonLogger(logger),
      bodyParser: false,
    },
  );
  configureHttp(app);
  app.enableShutdownHooks();
  // Migrations run, topics exist and the producer is connected once the init hooks complete; the
  // consumer starts right after, all before the server accepts connections.
  await connectMessaging(app);
  await app.listen(config.MAILBOX_HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.MAILBOX_HTTP_PORT, host: config.HTTP_HOST }, 'mailbox listening');
}

bootstrap().catch((error: unknown) => {
  // A ConfigError names the bad variables and never carries secret values.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`mailbox failed to start: ${message}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { connectMessaging, createLogger, loadConfig, NestJsonLogger, startTracing } from '@pushmail/platform';
import { AppModule } from './app.module.js';
import { ingestConfigSchema } from './config/ingest-config.js';
import { SmtpLifecycleService } from './smtp/smtp-lifecycle.service.js';

// Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
startTracing('ingest');

const logger = createLogger('ingest');

async function bootstrap(): Promise<void> {
  const config = loadConfig(ingestConfigSchema);
  const app = await NestFactory.create(AppModule.register(config, logger), {
    logger: new NestJsonLogger(logger),
  });
  app.enableShutdownHooks();
  await connectMessaging(app);
  await app.listen(config.INGEST_HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.INGEST_HTTP_PORT, domains: config.MAIL_DOMAINS }, 'ingest HTTP listening');
  // SMTP opens later, once the accounts are known; if it cannot, the service is of no use.
  app.get(SmtpLifecycleService).serving.catch(async () => {
    await app.close();
    process.exit(1);
  });
}

bootstrap().catch((error: unknown) => {
  logger.fatal({ err: error }, 'ingest failed to start');
  process.exit(1);
});

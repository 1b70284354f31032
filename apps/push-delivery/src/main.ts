import 'reflect-metadata';
import { connectMessaging, createLogger, loadConfig, startTracing } from '@pushmail/platform';
import { createPushApp } from './bootstrap.js';
import { pushConfigSchema } from './config/push-config.js';

// Before the application exists, so every span it starts goes to the exporter (a no-op unless OTLP is configured).
startTracing('push-delivery');

const logger = createLogger('push-delivery');

try {
  const config = loadConfig(pushConfigSchema);
  const app = await createPushApp(config, logger);
  app.enableShutdownHooks();
  await connectMessaging(app);
  await app.listen(config.PUSH_HTTP_PORT, config.HTTP_HOST);
  logger.info(
    {
      port: config.PUSH_HTTP_PORT,
      host: config.HTTP_HOST,
      publicUrl: config.PUBLIC_URL,
      mailboxUrl: config.MAILBOX_URL,
    },
    'push-delivery listening',
  );
} catch (error) {
  logger.fatal({ err: error }, 'push-delivery failed to start');
  process.exitCode = 1;
  // Kafka clients may hold the event loop open; a service that cannot start must exit.
  setTimeout(() => process.exit(1), 1000).unref();
}

import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestJsonLogger } from '@pushmail/platform';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { PushConfig } from './config/push-config.js';

/**
 * The application, ready to listen. Body parsing is off: the JMAP endpoint reads its own bytes so
 * a malformed or oversized request gets a JMAP problem, not a generic parser error.
 */
export async function createPushApp(config: PushConfig, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
    logger: new NestJsonLogger(logger),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  return app;
}

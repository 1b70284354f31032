import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { allTopics, mailSubmittedTopic } from '@pushmail/contracts';
import { createKafka, createLogger, createServiceApp, ensureTopics, loadConfig } from '@pushmail/platform';
import { createTestDatabase, startGroupsAtEnd, type TestDatabase } from '@pushmail/testing';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { outboundConfigSchema } from '../config/outbound-config.js';
import { outboundService } from '../service.js';

const testEnvSchema = z.object({ KAFKA_BROKERS: z.string(), DATABASE_URL: z.string() });

export interface OutboundTestEnv {
  kafka: Kafka;
  brokers: string;
  database: TestDatabase;
  groupId: string;
}

/** The shared broker, a fresh database and a consumer group of this file's own. */
export async function prepareOutboundEnv(): Promise<OutboundTestEnv> {
  const env = loadConfig(testEnvSchema);
  const logger = createLogger('outbound-test', 'warn');
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'outbound-test', logger });
  await ensureTopics(kafka, allTopics, logger);
  const groupId = `outbound-test-${randomBytes(6).toString('hex')}`;
  await startGroupsAtEnd(kafka, [{ groupId, topic: mailSubmittedTopic.name }]);
  return { kafka, brokers: env.KAFKA_BROKERS, database: await createTestDatabase(env.DATABASE_URL), groupId };
}

export interface OutboundTestApp {
  app: NestExpressApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/** The whole service, as it runs, with the test's config on top. */
export async function startOutboundApp(
  env: OutboundTestEnv,
  overrides: Record<string, string>,
): Promise<OutboundTestApp> {
  const config = loadConfig(outboundConfigSchema, {
    DATABASE_URL: env.database.url,
    KAFKA_BROKERS: env.brokers,
    OUTBOUND_HTTP_PORT: '0',
    OUTBOUND_GROUP: env.groupId,
    OUTBOUND_HOSTNAME: 'outbound.test',
    QUEUE_POLL_MS: '100',
    ...overrides,
  });
  const logger = createLogger('outbound', process.env['LOG_LEVEL'] ?? 'warn');
  const app = await createServiceApp(outboundService, config, logger, { frameworkLogs: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { allTopics, decodeEvent, mailSubmittedTopic, type TopicDefinition } from '@pushmail/contracts';
import { createKafka, createLogger, createServiceApp, ensureTopics, loadConfig } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { z } from 'zod';
import { outboundConfigSchema } from '../config/outbound-config.js';
import { outboundService } from '../service.js';

const testEnvSchema = z.object({ KAFKA_BROKERS: z.string(), DATABASE_URL: z.string() });

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `pm_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Commits a fresh group's offsets at the current end of `topic`, so it reads only what comes next. */
export async function startGroupAtEnd(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
    });
  } finally {
    await admin.disconnect();
  }
}

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
  await startGroupAtEnd(kafka, groupId, mailSubmittedTopic.name);
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

/** Every valid event produced to `topic` from now on, read with a group of its own. */
export async function collectFromNow<S extends z.ZodType>(
  kafka: Kafka,
  topic: TopicDefinition<S>,
): Promise<{ events: Array<z.infer<S>>; stop(): Promise<void> }> {
  const groupId = `outbound-test-reader-${randomBytes(6).toString('hex')}`;
  await startGroupAtEnd(kafka, groupId, topic.name);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const events: Array<z.infer<S>> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic.name], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decoded = decodeEvent(topic, message.value);
      if (decoded.ok) events.push(decoded.event);
    },
  });
  return { events, stop: () => consumer.disconnect() };
}

/**
 * A submission of one message from `sender` to `recipients`, written to the queue as the
 * mail-submitted consumer writes it: due `dueInMs` from now, and held by a replica for `heldForMs`
 * (as a claim does: a lease running). Returns the submission id, which is also the subject.
 */
export async function queueDirectly(
  db: pg.Client,
  sender: string,
  accountId: string,
  recipients: string[],
  { dueInMs = 0, heldForMs }: { dueInMs?: number; heldForMs?: number } = {},
): Promise<string> {
  const submissionId = `S${randomBytes(8).toString('hex')}`;
  const raw = Buffer.from(`From: <${sender}>\r\nSubject: ${submissionId}\r\n\r\nhello\r\n`);
  await db.query(
    `INSERT INTO outbound.messages (submission_id, account_id, email_id, mail_from, raw, submitted_at)
     VALUES ($1, $2, 'M1', $3, $4, now())`,
    [submissionId, accountId, sender, raw],
  );
  for (const recipient of recipients) {
    await db.query(
      `INSERT INTO outbound.deliveries (submission_id, account_id, recipient, expires_at, next_attempt_at, claimed_until)
       VALUES ($1, $2, $3, now() + interval '1 day', now() + make_interval(secs => $4::double precision / 1000), $5)`,
      [
        submissionId,
        accountId,
        recipient,
        dueInMs,
        heldForMs === undefined ? null : new Date(Date.now() + heldForMs),
      ],
    );
  }
  return submissionId;
}

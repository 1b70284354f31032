import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { allTopics, mailSubmittedV2Topic, type TopicDefinition } from '@pushmail/contracts';
import { createKafka, createLogger, ensureTopics, EventProducer, loadConfig } from '@pushmail/platform';
import {
  type CollectedEvents,
  collectEventsFromNow,
  createTestDatabase,
  listenOnLoopback,
  startGroupsAtEnd,
  type TestDatabase,
} from '@pushmail/testing';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { z } from 'zod';
import { outboundConfigSchema } from '../config/outbound-config.js';
import { outboundService } from '../service.js';
import { submittedV2GroupOf } from '../usecases/queue-submission/mail-submitted.controller.js';
import { type SmtpReceiver, startSmtpReceiver } from './smtp-receiver.js';

const testEnvSchema = z.object({ KAFKA_BROKERS: z.string(), DATABASE_URL: z.string() });

export interface OutboundTestEnv {
  kafka: Kafka;
  brokers: string;
  database: TestDatabase;
  groupId: string;
  /** The `OUTBOUND_HOSTNAME` of every replica started here, which names them as the producer of their events. */
  hostname: string;
}

/** The shared broker, a fresh database, and a consumer group and an MTA name of this file's own. */
export async function prepareOutboundEnv(): Promise<OutboundTestEnv> {
  const env = loadConfig(testEnvSchema);
  const logger = createLogger('outbound-test', 'warn');
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'outbound-test', logger });
  await ensureTopics(kafka, allTopics, logger);
  const instance = randomBytes(6).toString('hex');
  const groupId = `outbound-test-${instance}`;
  await startGroupsAtEnd(kafka, [
    { groupId: submittedV2GroupOf({ OUTBOUND_GROUP: groupId }), topic: mailSubmittedV2Topic.name },
  ]);
  return {
    kafka,
    brokers: env.KAFKA_BROKERS,
    database: await createTestDatabase(env.DATABASE_URL),
    groupId,
    hostname: `outbound-${instance}.test`,
  };
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
    OUTBOUND_HOSTNAME: env.hostname,
    QUEUE_POLL_MS: '100',
    ...overrides,
  });
  const logger = createLogger('outbound', process.env['LOG_LEVEL'] ?? 'warn');
  const { app, baseUrl } = await listenOnLoopback(outboundService, config, logger, { frameworkLogs: false });
  let closing: Promise<void> | undefined;
  // A spec that restarts the service closes it itself; the test bed closes it again at the end.
  return { app, baseUrl, close: () => (closing ??= app.close()) };
}

/**
 * What one spec file starts against the shared broker and its own database: service replicas, SMTP
 * receivers, event collectors, a producer, a SQL client. `close` ends them all, the last started
 * first, and drops the database.
 */
export class OutboundTestBed {
  private readonly closers: Array<() => Promise<unknown>> = [];

  private constructor(readonly env: OutboundTestEnv) {
    this.closers.push(() => env.database.drop());
  }

  static async prepare(): Promise<OutboundTestBed> {
    return new OutboundTestBed(await prepareOutboundEnv());
  }

  async startApp(overrides: Record<string, string>): Promise<OutboundTestApp> {
    return this.closedAtEnd(await startOutboundApp(this.env, overrides), (app) => app.close());
  }

  async smtpReceiver(options?: Parameters<typeof startSmtpReceiver>[0]): Promise<SmtpReceiver> {
    return this.closedAtEnd(await startSmtpReceiver(options), (receiver) => receiver.close());
  }

  /**
   * What the replicas started here publish to `topic` from now on. Another platform's outbound on
   * the shared broker reads the submissions published here too and reports on them under the same
   * submission ids; its events are left out.
   */
  async collect<S extends z.ZodType>(topic: TopicDefinition<S>): Promise<CollectedEvents<z.infer<S>>> {
    return this.closedAtEnd(
      await collectEventsFromNow(this.env.kafka, topic, { producedBy: this.env.hostname }),
      (events) => events.stop(),
    );
  }

  async producer(): Promise<EventProducer> {
    const producer = new EventProducer(this.env.kafka, createLogger('test', 'warn'));
    await producer.connect();
    return this.closedAtEnd(producer, (connected) => connected.disconnect());
  }

  /** A client of the service's database, to look at (or arrange) its tables directly. */
  async sqlClient(): Promise<pg.Client> {
    const db = new pg.Client({ connectionString: this.env.database.url });
    await db.connect();
    return this.closedAtEnd(db, (client) => client.end());
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
  }

  private closedAtEnd<T>(resource: T, close: (resource: T) => Promise<unknown>): T {
    this.closers.push(() => close(resource));
    return resource;
  }
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

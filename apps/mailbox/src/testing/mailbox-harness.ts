import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { allTopics, mailArrivedTopic, mailDeliveryStatusTopic } from '@pushmail/contracts';
import { CORE_CAPABILITY, type Invocation, MAIL_CAPABILITY, SUBMISSION_CAPABILITY } from '@pushmail/jmap';
import { createKafka, createLogger, ensureTopics, loadConfig } from '@pushmail/platform';
import {
  createTestDatabase,
  endPoolFully,
  listenOnLoopback,
  startGroupsAtEnd,
  type TestDatabase,
} from '@pushmail/testing';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { z } from 'zod';
import { BLOB_TYPE_HEADER } from '../blobs/blobs.controller.js';
import { mailboxConfigSchema } from '../config/mailbox-config.js';
import { mailboxService } from '../service.js';

/** The shared broker and database the integration tests run against; a missing one is named. */
const testEnvSchema = z.object({ KAFKA_BROKERS: z.string(), DATABASE_URL: z.string() });

export interface JmapCallOptions {
  /** The capabilities the request uses: core and mail unless named. */
  using?: readonly string[];
  /** The caller's address, which push-delivery passes along for the submission methods. */
  address?: string | null;
}

/** JMAP calls of one account, made as a device of one address would make them. */
export interface AccountJmap {
  /** One JMAP request; throws unless it is answered with 200. `options` replace the sender's. */
  call(methodCalls: Invocation[], options?: JmapCallOptions): Promise<Invocation[]>;
  /** One method call; throws unless that method answers (rather than an error). */
  method(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface MailboxTestApp {
  app: NestExpressApplication;
  baseUrl: string;
  db: pg.Pool;
  kafka: Kafka;
  deliveryGroupId: string;
  internalToken: string;
  /** A request to the service with the internal token, as the other services make it. */
  internal(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs `body` (a string as it is) to /internal/jmap with `token`: the status and the parsed answer. */
  postJmap(
    body: unknown,
    init?: { token?: string; signal?: AbortSignal },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Uploads `data` as a blob of the account of type `type`: the blob's id; throws unless answered 201. */
  uploadBlob(accountId: string, data: Buffer | string, type: string): Promise<string>;
  /** One JMAP request of the account; throws unless it is answered with 200. */
  jmap(accountId: string, methodCalls: Invocation[], options?: JmapCallOptions): Promise<Invocation[]>;
  /** One method call of the account; throws unless that method answers (rather than an error). */
  jmapMethod(
    accountId: string,
    name: string,
    args: Record<string, unknown>,
    options?: JmapCallOptions,
  ): Promise<Record<string, unknown>>;
  /**
   * The account's calls as push-delivery passes on those of a device of `address`: with the
   * submission capability and the caller's address, which the submission methods need.
   */
  sender(accountId: string, address: string): AccountJmap;
  close(): Promise<void>;
}

/** A fresh, empty database on the shared server, for a test or benchmark that migrates it itself. */
export function createMailboxTestDatabase(): Promise<TestDatabase> {
  return createTestDatabase(loadConfig(testEnvSchema).DATABASE_URL);
}

/** The whole service against a fresh database and the shared broker, with a delivery group of its own. */
export async function startMailboxApp(overrides: Record<string, string> = {}): Promise<MailboxTestApp> {
  const env = loadConfig(testEnvSchema);
  const brokers = env.KAFKA_BROKERS;
  const database = await createTestDatabase(env.DATABASE_URL);
  const logger = createLogger('mailbox', process.env['LOG_LEVEL'] ?? 'warn');
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'mailbox-test', logger });
  await ensureTopics(kafka, allTopics, logger);
  const deliveryGroupId = `mailbox-test-${randomBytes(6).toString('hex')}`;
  await startGroupsAtEnd(kafka, [
    { groupId: deliveryGroupId, topic: mailArrivedTopic.name },
    { groupId: `${deliveryGroupId}-status`, topic: mailDeliveryStatusTopic.name },
  ]);

  const internalToken = randomBytes(32).toString('base64url');
  const config = loadConfig(mailboxConfigSchema, {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: brokers,
    INTERNAL_TOKEN: internalToken,
    MAILBOX_HTTP_PORT: '0',
    MAILBOX_DELIVERY_GROUP: deliveryGroupId,
    ...overrides,
  });
  const { app, baseUrl } = await listenOnLoopback(mailboxService, config, logger, { frameworkLogs: false });
  const db = new pg.Pool({ connectionString: database.url, max: 2 });

  const internal = (path: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${internalToken}`, ...(init.headers as Record<string, string>) },
    });
  const postJmap: MailboxTestApp['postJmap'] = async (body, { token = internalToken, signal } = {}) => {
    const response = await fetch(`${baseUrl}/internal/jmap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const uploadBlob: MailboxTestApp['uploadBlob'] = async (accountId, data, type) => {
    const response = await internal(`/internal/blobs/${accountId}`, {
      method: 'POST',
      headers: { [BLOB_TYPE_HEADER]: type },
      body: data,
    });
    if (response.status !== 201)
      throw new Error(`blob upload answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { blobId: string }).blobId;
  };
  const jmap: MailboxTestApp['jmap'] = async (accountId, methodCalls, options = {}) => {
    const { using = [CORE_CAPABILITY, MAIL_CAPABILITY], address } = options;
    const response = await postJmap({
      accountId,
      request: { using, methodCalls },
      ...(address ? { address } : {}),
    });
    if (response.status !== 200)
      throw new Error(`/internal/jmap answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body['methodResponses'] as Invocation[];
  };
  const jmapMethod: MailboxTestApp['jmapMethod'] = async (accountId, name, args, options) => {
    const [[answered, result]] = (await jmap(accountId, [[name, { accountId, ...args }, 'c']], options)) as [
      Invocation,
    ];
    if (answered !== name) throw new Error(`${name} answered ${answered}: ${JSON.stringify(result)}`);
    return result;
  };

  const sender: MailboxTestApp['sender'] = (accountId, address) => {
    const options = { using: [CORE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY], address };
    return {
      call: (methodCalls, replaced) => jmap(accountId, methodCalls, { ...options, ...replaced }),
      method: (name, args) => jmapMethod(accountId, name, args, options),
    };
  };

  return {
    app,
    baseUrl,
    db,
    kafka,
    deliveryGroupId,
    internalToken,
    internal,
    postJmap,
    uploadBlob,
    jmap,
    jmapMethod,
    sender,
    close: async () => {
      await app.close();
      // Its connections closed before the drop, which would terminate any still open (57P01).
      await endPoolFully(db);
      await database.drop();
    },
  };
}

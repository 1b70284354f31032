import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createKafka, createLogger, EventProducer } from '@pushmail/platform';
import {
  createTestDatabase,
  EasClient,
  expectEventually,
  listenOnLoopback,
  requiredEnv,
  type TestDatabase,
} from '@pushmail/testing';
import { afterAll, beforeAll, expect } from 'vitest';
import { activeSyncConfigSchema, type ActiveSyncConfig } from '../config/activesync-config.js';
import { activeSyncService } from '../service.js';
import { FakeMailbox } from './fake-mailbox.js';
import { FakeRegistry, type FakeAccount } from './fake-registry.js';
import { testPolicy } from './test-policy.js';

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * The gateway for an integration spec, as a phone reaches it: over HTTP, on a database of its own,
 * with the shared test broker, a fake mailbox and a fake device-registry. `start` in the file's
 * `beforeAll`, `stop` in its `afterAll` (which drops the database).
 */
export class GatewayHarness {
  readonly logger;
  readonly producer: EventProducer;
  readonly mailbox: FakeMailbox;
  readonly registry: FakeRegistry;
  app: NestExpressApplication | undefined;
  baseUrl = '';
  /** Further replicas on the same database, broker, mailbox and registry (`startReplica`). */
  private readonly replicas: NestExpressApplication[] = [];
  private gatewayConfig: ActiveSyncConfig | undefined;
  private readonly internalToken = randomBytes(24).toString('base64url');
  private database: TestDatabase | undefined;
  private readonly databaseUrl = requiredEnv('DATABASE_URL');
  private readonly kafkaBrokers = requiredEnv('KAFKA_BROKERS');

  constructor(
    private readonly name: string,
    private readonly config: Record<string, string> = {},
  ) {
    this.logger = createLogger(name, 'warn');
    this.producer = new EventProducer(
      createKafka({ brokers: this.kafkaBrokers.split(','), clientId: name, logger: this.logger }),
      this.logger,
    );
    this.mailbox = new FakeMailbox(this.internalToken);
    this.registry = new FakeRegistry(this.internalToken, this.producer);
  }

  async start(): Promise<void> {
    this.database = await createTestDatabase(this.databaseUrl);
    await this.producer.connect();
    await this.mailbox.start();
    await this.registry.start();
    const config = activeSyncConfigSchema.parse({
      KAFKA_BROKERS: this.kafkaBrokers,
      DATABASE_URL: this.database.url,
      INTERNAL_TOKEN: this.internalToken,
      MAILBOX_URL: this.mailbox.url,
      REGISTRY_URL: this.registry.url,
      ACTIVESYNC_PUBLIC_URL: 'https://mail.example.test',
      PING_MIN_HEARTBEAT_SECONDS: '1',
      PING_MAX_HEARTBEAT_SECONDS: '600',
      ...this.config,
    });
    this.gatewayConfig = config;
    const { app, baseUrl } = await this.listen(config);
    this.app = app;
    this.baseUrl = baseUrl;
  }

  /** One more gateway replica sharing everything with the first; answers its base URL. */
  async startReplica(): Promise<string> {
    const { app, baseUrl } = await this.listen(this.gatewayConfig!);
    this.replicas.push(app);
    return baseUrl;
  }

  private async listen(config: ActiveSyncConfig): Promise<{ app: NestExpressApplication; baseUrl: string }> {
    const { app, baseUrl } = await listenOnLoopback(activeSyncService, config, this.logger);
    await expectEventually(async () => expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    return { app, baseUrl };
  }

  async stop(): Promise<void> {
    for (const replica of this.replicas) await replica.close();
    await this.app?.close();
    await this.producer.disconnect();
    await this.mailbox.stop();
    await this.registry.stop();
    await this.database?.drop();
  }

  /** A fresh account with the test password and an empty mailbox; with `policy`, a PIN policy. */
  async newAccount(options: { policy?: boolean; maxDevices?: number } = {}): Promise<FakeAccount> {
    const account = await this.registry.addAccount({
      address: `${this.name}-${randomBytes(4).toString('hex')}@example.com`,
      password: TEST_PASSWORD,
      policy: options.policy ? testPolicy() : null,
      ...(options.maxDevices ? { maxDevices: options.maxDevices } : {}),
    });
    this.mailbox.provision(account.accountId);
    return account;
  }

  /** A phone of `account` signing in with its password (at `baseUrl`, another replica's). */
  phone(
    account: FakeAccount,
    deviceId = `phone${randomBytes(3).toString('hex')}`,
    version = '14.1',
    baseUrl = this.baseUrl,
  ): EasClient {
    return new EasClient(baseUrl, {
      address: account.address,
      password: TEST_PASSWORD,
      deviceId,
      version,
    });
  }
}

/**
 * The gateway of the enclosing `describe`: started before the `beforeAll` hooks registered after
 * this call, stopped after their `afterAll` hooks.
 */
export function gatewayPerSuite(name: string, config: Record<string, string> = {}): GatewayHarness {
  const gateway = new GatewayHarness(name, config);
  beforeAll(() => gateway.start());
  afterAll(() => gateway.stop());
  return gateway;
}

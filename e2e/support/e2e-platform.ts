import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  DeviceClient,
  requiredEnv,
  sendPlainMail,
  startPlatform,
  type DeviceClientOptions,
  type PlatformOptions,
  RegistryClient,
  type RunningPlatform,
  UpgradeRefusedError,
} from '@pushmail/testing';

/** The shared broker and database every suite runs against; each suite gets a fresh database. */
export const kafkaBrokers = requiredEnv('KAFKA_BROKERS');
export const databaseUrl = requiredEnv('DATABASE_URL');

/** Starts the four services for one suite, on a database of its own, logging to test-artifacts/logs/<suite>. */
export function startSuitePlatform(
  suite: string,
  options: Omit<PlatformOptions, 'kafkaBrokers' | 'databaseUrl' | 'logDirectory'> = {},
): Promise<RunningPlatform> {
  return startPlatform({
    kafkaBrokers,
    databaseUrl,
    freshDatabase: true,
    logDirectory: `test-artifacts/logs/${suite}`,
    ...options,
  });
}

/**
 * What the enclosing `describe` runs against: started before its tests and before the `beforeAll`
 * hooks registered after this call, its platform stopped after their `afterAll` hooks. The
 * function returned hands it to the hooks and tests.
 */
export function startedPerSuite<T extends { platform: RunningPlatform }>(
  suite: string,
  start: () => Promise<T>,
): () => T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    await started?.platform.stop();
  });
  return () => {
    if (!started) throw new Error(`the ${suite} suite has not started`);
    return started;
  };
}

type SuiteOptions = Parameters<typeof startSuitePlatform>[1];

/** A suite's running platform and the admin client that makes its accounts. */
export interface SuitePlatform {
  readonly platform: RunningPlatform;
  readonly registry: RegistryClient;
}

/**
 * The platform of the enclosing `describe` (see `startedPerSuite`) with its admin client. `options`
 * may be a function, for settings that take a moment to make (a delivery group).
 */
export function useSuitePlatform(
  suite: string,
  options: SuiteOptions | (() => Promise<SuiteOptions>) = {},
): SuitePlatform {
  const current = startedPerSuite(suite, async () => {
    const platform = await startSuitePlatform(
      suite,
      typeof options === 'function' ? await options() : options,
    );
    return { platform, registry: new RegistryClient(platform.registryUrl, platform.adminToken) };
  });
  return {
    get platform() {
      return current().platform;
    },
    get registry() {
      return current().registry;
    },
  };
}

/** The device edge's HTTP base (JMAP API, session, blobs). */
export function pushUrlOf(platform: RunningPlatform): string {
  return `http://${platform.host}:${platform.ports.push}`;
}

/** A new account with a password, created through the admin API. */
export async function newAccount(
  registry: RegistryClient,
  { domain = 'example.com', prefix = 'user' }: { domain?: string; prefix?: string } = {},
): Promise<{ accountId: string; address: string; password: string }> {
  const address = `${prefix}-${randomUUID().slice(0, 8)}@${domain}`;
  const password = `pw-${randomUUID()}`;
  const { accountId } = await registry.createAccount(address, password);
  return { accountId, address, password };
}

/** Hands a plain message for `to` to ingest over SMTP and expects the 250. */
export async function deliver(
  platform: RunningPlatform,
  to: string,
  subject: string,
  { text = 'hello', from = 'sender@elsewhere.example' }: { text?: string; from?: string } = {},
): Promise<void> {
  const result = await sendPlainMail(platform.smtp, { from, to, subject, text });
  expect(result.data?.code).toBe(250);
}

/**
 * Connects a device to the platform's WebSocket (or to `target`, a URL in front of it). A token or
 * password registered a moment ago is let in at once: push-delivery checks it with device-registry
 * and waits for its own credentials to catch up. Only a 503 (it could not tell yet: still loading,
 * device-registry slow to answer) is tried again, as a phone would after Retry-After; any other
 * refusal fails at once.
 */
export async function connectWhenKnown(
  target: RunningPlatform | string,
  auth: string | DeviceClientOptions,
  timeoutMs = 10_000,
): Promise<DeviceClient> {
  const url = typeof target === 'string' ? target : target.websocketUrl;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await DeviceClient.connect(url, auth);
    } catch (error) {
      const retry = error instanceof UpgradeRefusedError && error.status === 503 && Date.now() < deadline;
      if (!retry) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface ConnectedDevice {
  accountId: string;
  address: string;
  password: string;
  deviceId: string;
  token: string;
  client: DeviceClient;
}

/** A new account with one registered device, connected with push enabled and its first request answered. */
export async function connectedDevice(
  platform: RunningPlatform,
  registry: RegistryClient,
  prefix = 'user',
): Promise<ConnectedDevice> {
  const { accountId, address, password } = await newAccount(registry, { prefix });
  const deviceId = `phone-${randomUUID().slice(0, 8)}`;
  const { token } = await registry.registerDevice(address, password, { deviceId });
  const client = await connectWhenKnown(platform, token);
  client.enablePush(undefined, null);
  // Answered, so push is known to be enabled before any mail is sent.
  await client.request([['Core/echo', { ping: true }, 'e']]);
  return { accountId, address, password, deviceId, token, client };
}

/** Delivers a mail to the device's account and resolves once the device was pushed the Email change. */
export async function deliverAndAwaitPush(
  platform: RunningPlatform,
  device: ConnectedDevice,
  subject: string,
  text = 'hello',
): Promise<void> {
  const pushed = device.client.nextStateChange(
    10_000,
    (change) => change.changed[device.accountId]?.['Email'] !== undefined,
  );
  await deliver(platform, device.address, subject, { text });
  await pushed;
}

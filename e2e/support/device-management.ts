import { randomUUID } from 'node:crypto';
import { decodeEvent, deviceEventTopic, type DeviceEventV1 } from '@pushmail/contracts';
import { CORE_CAPABILITY, DEVICE_CAPABILITY, MAIL_CAPABILITY } from '@pushmail/jmap';
import { createKafka, createLogger } from '@pushmail/platform';
import {
  DeviceClient,
  expectEventually,
  freePort,
  UpgradeRefusedError,
  type Invocation,
  type RunningPlatform,
} from '@pushmail/testing';
import { afterAll, expect } from 'vitest';
import {
  connectWhenKnown,
  deliver,
  pushUrlOf,
  type SuitePlatform,
  useSuitePlatform,
} from './e2e-platform.js';

export const DEVICE_LIMIT = 3;
export const FAILURE_DELAY_MS = 100;
/** What a device of these suites declares it uses: mail and the device-management methods. */
const USING = [CORE_CAPABILITY, MAIL_CAPABILITY, DEVICE_CAPABILITY];

export type Json = Record<string, unknown>;

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** How a standard mail client signs in: address and password, told apart by device id or user agent. */
export const basic = (address: string, password: string, deviceId?: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${address}:${password}`).toString('base64')}`,
  'user-agent': 'StandardMail/1.0',
  ...(deviceId ? { 'x-device-id': deviceId } : {}),
});

export const messagesOfType = (socket: DeviceClient, type: string): Json[] =>
  socket.received.filter((message) => message['@type'] === type);

/**
 * The platform of one device-management suite (a small device limit, fast sign-in backoff, quick
 * activity flushes) with the administrator's and the device's calls. Call it inside `describe`:
 * it starts the platform before the suite's tests and stops it after them.
 */
export function deviceManagementSuite(suite: string): DeviceManagementSuite {
  const started = useSuitePlatform(suite, async () => {
    const registryPort = await freePort();
    return {
      mailDomains: ['example.com'],
      ports: { registry: registryPort },
      serviceEnv: {
        'device-registry': {
          MAX_DEVICES_PER_ACCOUNT: String(DEVICE_LIMIT),
          SIGN_IN_FAILURE_DELAY_MS: String(FAILURE_DELAY_MS),
          SIGN_IN_LOCKOUT_THRESHOLD: '5',
        },
        'push-delivery': {
          REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
          DEVICE_ACTIVITY_FLUSH_MS: '300',
        },
      },
    };
  });
  const context = new DeviceManagementSuite(started);
  afterAll(() => {
    for (const socket of context.sockets) socket.close();
  });
  return context;
}

export class DeviceManagementSuite {
  readonly sockets: DeviceClient[] = [];

  constructor(private readonly suite: SuitePlatform) {}

  get platform(): RunningPlatform {
    return this.suite.platform;
  }

  get pushUrl(): string {
    return pushUrlOf(this.platform);
  }

  async admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.platform.registryUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.platform.adminToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  }

  async newAccount(): Promise<{ accountId: string; address: string; password: string }> {
    const address = `dm-${randomUUID().slice(0, 8)}@example.com`;
    const password = `pw-${randomUUID()}`;
    const created = await this.admin('POST', '/admin/accounts', { address, password });
    expect(created.status).toBe(201);
    return { accountId: created.body['accountId'] as string, address, password };
  }

  async register(
    address: string,
    password: string,
    device: { deviceId: string; deviceType?: string; model?: string },
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.platform.registryUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address, password, deviceType: 'phone', model: 'Pixel 10', ...device }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async registeredToken(
    address: string,
    password: string,
    deviceId: string,
    extra: Json = {},
  ): Promise<string> {
    const registration = await this.register(address, password, { deviceId, ...extra });
    expect([200, 201]).toContain(registration.status);
    return registration.body['token'] as string;
  }

  /** Connects once push-delivery knows the credentials (they travel through Kafka). */
  async connect(headers: Record<string, string>): Promise<DeviceClient> {
    const socket = await connectWhenKnown(this.platform, { headers, using: USING });
    this.sockets.push(socket);
    return socket;
  }

  async refusedUpgrade(headers: Record<string, string>): Promise<{ status: number; body: string }> {
    try {
      const socket = await DeviceClient.connect(this.platform.websocketUrl, { headers });
      socket.close();
    } catch (error) {
      if (error instanceof UpgradeRefusedError) return { status: error.status, body: error.body };
      throw error;
    }
    throw new Error('the upgrade was accepted');
  }

  async jmapOverHttp(
    headers: Record<string, string>,
    methodCalls: Invocation[],
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.pushUrl}/jmap/api`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ using: USING, methodCalls }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  deliver(address: string, subject: string): Promise<void> {
    return deliver(this.platform, address, subject);
  }
}

/** The first `count` events of the account on the platform's device events, read by a fresh group. */
export async function readDeviceEvents(
  platform: RunningPlatform,
  accountId: string,
  count: number,
): Promise<DeviceEventV1[]> {
  const kafka = createKafka({
    brokers: platform.kafkaBrokers.split(','),
    clientId: 'device-management-e2e',
    logger: createLogger('e2e', 'error'),
    topicPrefix: platform.topicPrefix,
  });
  const consumer = kafka.consumer({ groupId: `device-management-e2e-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const events: DeviceEventV1[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [deviceEventTopic.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== accountId) return;
        const decoded = decodeEvent(deviceEventTopic, message.value);
        if (decoded.ok) events.push(decoded.event);
      },
    });
    await expectEventually(() => expect(events.length).toBeGreaterThanOrEqual(count), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  accountTopic,
  deviceCredentialsTopic,
  type DeviceCredentialsV1,
  type DevicePolicyV1,
  type DeviceWipeCommandV1,
} from '@pushmail/contracts';
import type { EventProducer } from '@pushmail/platform';
import { FakeHttpService } from './fake-http-service.js';

interface FakeDevice {
  deviceId: string;
  deviceType: string;
  model: string;
  os: string | null;
  access: 'allowed' | 'blocked' | 'quarantined';
  status: 'active' | 'wiped';
  acknowledgedPolicy: { policyId: string; version: number } | null;
  pendingWipe: DeviceWipeCommandV1 | null;
  tokenSha256: string[];
}

export interface FakeAccount {
  accountId: string;
  address: string;
  password: string;
  revision: number;
  policy: DevicePolicyV1 | null;
  devices: Map<string, FakeDevice>;
  maxDevices: number;
  /** What a new device's access is decided as. */
  newDeviceAccess: FakeDevice['access'];
}

/**
 * device-registry's internal API in memory, publishing each account's devices to the real
 * compacted topics as the registry does, so the gateway's views see what they would in production.
 */
export class FakeRegistry extends FakeHttpService {
  readonly accounts = new Map<string, FakeAccount>();
  readonly calls: Array<{ path: string; body: Record<string, unknown> }> = [];
  /** Runs once a token check has been answered: a test publishes the token's snapshot only then. */
  onTokenChecked: ((tokenSha256: string) => void) | undefined;

  constructor(
    private readonly internalToken: string,
    private readonly producer: EventProducer,
  ) {
    super();
  }

  async addAccount(options: {
    address: string;
    password: string;
    policy?: DevicePolicyV1 | null;
    maxDevices?: number;
  }): Promise<FakeAccount> {
    const account: FakeAccount = {
      accountId: randomUUID(),
      address: options.address,
      password: options.password,
      revision: 1,
      policy: options.policy ?? null,
      devices: new Map(),
      maxDevices: options.maxDevices ?? 10,
      newDeviceAccess: 'allowed',
    };
    this.accounts.set(account.accountId, account);
    await this.producer.publish(accountTopic, [
      {
        accountId: account.accountId,
        revision: 1,
        address: account.address,
        status: 'active',
        updatedAt: new Date().toISOString(),
      },
    ]);
    await this.publish(account);
    return account;
  }

  /** Changes the account as an administrator would, and publishes the snapshot. */
  async change(account: FakeAccount, change: (account: FakeAccount) => void): Promise<void> {
    change(account);
    await this.publish(account);
  }

  /** Asks `devices` of the account for a wipe of `kind`, as an administrator would; its wipe id. */
  async requestWipe(
    account: FakeAccount,
    devices: string[],
    kind: DeviceWipeCommandV1['kind'],
  ): Promise<string> {
    const wipeId = randomUUID();
    const requestedAt = new Date().toISOString();
    await this.change(account, (changed) => {
      for (const deviceId of devices)
        changed.devices.get(deviceId)!.pendingWipe = { wipeId, kind, requestedBy: 'admin', requestedAt };
    });
    return wipeId;
  }

  /** Whether the gateway confirmed wipe `wipeId` of the device to the registry. */
  wipeConfirmed(wipeId: string, deviceId: string): boolean {
    return this.calls.some(
      (call) =>
        call.path.endsWith('wipe-confirmations') &&
        call.body['wipeId'] === wipeId &&
        call.body['deviceId'] === deviceId,
    );
  }

  async publish(account: FakeAccount): Promise<number> {
    account.revision += 1;
    const snapshot: DeviceCredentialsV1 = {
      accountId: account.accountId,
      revision: account.revision,
      accountStatus: 'active',
      devices: [...account.devices.values()].map((device) => ({
        deviceId: device.deviceId,
        tokenSha256: device.tokenSha256,
        access: device.access,
        status: device.status,
        acknowledgedPolicy: device.acknowledgedPolicy,
        pendingWipe: device.pendingWipe,
      })),
      policy: account.policy,
      updatedAt: new Date().toISOString(),
    };
    await this.producer.publish(deviceCredentialsTopic, [snapshot]);
    return account.revision;
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.headers.authorization !== `Bearer ${this.internalToken}`)
      return end(response, 401, { error: 'unauthorized' });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const path = request.url ?? '';
    this.calls.push({ path, body });
    if (path === '/internal/v1/authenticate') return this.authenticate(body, response);
    if (path === '/internal/v1/devices/token-checks')
      return this.checkToken(String(body['tokenSha256']), response);
    const account = this.accounts.get(String(body['accountId']));
    const device = account?.devices.get(String(body['deviceId']));
    if (!account || !device) return end(response, 404, { error: 'not_found', message: 'no such device' });
    if (path === '/internal/v1/devices/policy-acknowledgements') {
      device.acknowledgedPolicy = { policyId: String(body['policyId']), version: Number(body['version']) };
      return end(response, 200, {
        policyId: body['policyId'],
        version: body['version'],
        revision: await this.publish(account),
      });
    }
    if (path === '/internal/v1/devices/wipe-confirmations') {
      if (device.pendingWipe?.wipeId !== body['wipeId'])
        return end(response, 409, { error: 'conflict', message: 'no such wipe' });
      device.pendingWipe = null;
      device.status = 'wiped';
      device.tokenSha256 = [];
      return end(response, 200, {
        wipeId: body['wipeId'],
        confirmedAt: new Date().toISOString(),
        revision: await this.publish(account),
      });
    }
    return end(response, 404, { error: 'not_found' });
  }

  /** As device-registry: a live token of a device not wiped, with the revision that lists it. */
  private checkToken(tokenSha256: string, response: ServerResponse): void {
    response.once('finish', () => this.onTokenChecked?.(tokenSha256));
    for (const account of this.accounts.values()) {
      for (const device of account.devices.values()) {
        if (device.status !== 'wiped' && device.tokenSha256.includes(tokenSha256)) {
          return end(response, 200, {
            accountId: account.accountId,
            deviceId: device.deviceId,
            revision: account.revision,
          });
        }
      }
    }
    end(response, 401, { error: 'invalid_token', message: 'unknown or revoked device token' });
  }

  private async authenticate(body: Record<string, unknown>, response: ServerResponse): Promise<void> {
    const account = [...this.accounts.values()].find((candidate) => candidate.address === body['address']);
    if (!account || account.password !== body['password'])
      return end(response, 401, { error: 'invalid_credentials' });
    const deviceId = String(body['deviceId']);
    let device = account.devices.get(deviceId);
    const created = !device;
    if (device?.status === 'wiped')
      return end(response, 403, { error: 'device_wiped', message: 'this device was remotely wiped' });
    if (!device) {
      if (account.devices.size >= account.maxDevices) {
        return end(response, 403, {
          error: 'device_limit_reached',
          message: `at most ${account.maxDevices} devices`,
        });
      }
      device = {
        deviceId,
        deviceType: String(body['deviceType']),
        model: String(body['model']),
        os: (body['os'] as string | null) ?? null,
        access: account.newDeviceAccess,
        status: 'active',
        acknowledgedPolicy: null,
        pendingWipe: null,
        tokenSha256: [],
      };
      account.devices.set(deviceId, device);
    } else {
      device.model = String(body['model']);
      device.os = (body['os'] as string | null) ?? null;
    }
    if (device.access === 'blocked')
      return end(response, 403, {
        error: 'device_blocked',
        message: 'this device may not sync this account',
      });
    const revision = created ? await this.publish(account) : account.revision;
    end(response, 200, {
      accountId: account.accountId,
      address: account.address,
      deviceId,
      created,
      access: device.access,
      accessRule: 'default',
      revision,
    });
  }
}

function end(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

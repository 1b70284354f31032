import { randomUUID } from 'node:crypto';
import type { AdminApiComponents, AdminApiPaths } from '@pushmail/contracts/admin-api';
import createClient, { type Client } from 'openapi-fetch';

export type RegisteredDevice = Pick<
  AdminApiComponents['schemas']['Registration'],
  'accountId' | 'deviceId' | 'token'
>;

/** A typed client of device-registry's HTTP API, its types generated from the service's OpenAPI document. */
export function deviceRegistryApi(baseUrl: string, bearerToken?: string): Client<AdminApiPaths> {
  return createClient<AdminApiPaths>({
    baseUrl,
    ...(bearerToken ? { headers: { authorization: `Bearer ${bearerToken}` } } : {}),
  });
}

/** The calls an administrator and a device make to device-registry, over its public HTTP API. */
export class RegistryClient {
  private readonly admin: Client<AdminApiPaths>;
  private readonly device: Client<AdminApiPaths>;

  constructor(baseUrl: string, adminToken: string) {
    this.admin = deviceRegistryApi(baseUrl, adminToken);
    this.device = deviceRegistryApi(baseUrl);
  }

  async createAccount(address: string, password: string): Promise<{ accountId: string; address: string }> {
    const { data, error, response } = await this.admin.POST('/admin/accounts', {
      body: { address, password },
    });
    if (response.status !== 201 || !data) {
      throw new Error(`create account: HTTP ${response.status} ${JSON.stringify(error)}`);
    }
    return data;
  }

  /** Gives the account a policy of its own that asks for a PIN of `minPinLength` or more; answers the policy's id. */
  async requirePin(accountId: string, minPinLength = 6): Promise<string> {
    const created = await this.admin.POST('/admin/policies', {
      body: { name: `pin-${randomUUID().slice(0, 8)}`, settings: { pinRequired: true, minPinLength } },
    });
    if (created.response.status !== 201 || !created.data) {
      throw new Error(`create policy: HTTP ${created.response.status} ${JSON.stringify(created.error)}`);
    }
    const { policyId } = created.data;
    const assigned = await this.admin.PUT('/admin/accounts/{accountId}/policy', {
      params: { path: { accountId } },
      body: { policyId },
    });
    if (assigned.response.status !== 200) {
      throw new Error(`assign policy: HTTP ${assigned.response.status} ${JSON.stringify(assigned.error)}`);
    }
    return policyId;
  }

  async registerDevice(
    address: string,
    password: string,
    device: { deviceId: string; deviceType?: string; model?: string },
  ): Promise<RegisteredDevice> {
    const { data, error, response } = await this.device.POST('/v1/devices', {
      body: { address, password, deviceType: 'phone', model: 'test', ...device },
    });
    if (!data) throw new Error(`register device: HTTP ${response.status} ${JSON.stringify(error)}`);
    return data;
  }
}

export interface RegisteredDevice {
  accountId: string;
  deviceId: string;
  token: string;
}

/** The calls an administrator and a device make to device-registry, over its public HTTP API. */
export class RegistryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminToken: string,
  ) {}

  async createAccount(address: string, password: string): Promise<{ accountId: string; address: string }> {
    const response = await fetch(`${this.baseUrl}/admin/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.adminToken}` },
      body: JSON.stringify({ address, password }),
    });
    if (response.status !== 201)
      throw new Error(`create account: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { accountId: string; address: string };
  }

  async registerDevice(
    address: string,
    password: string,
    device: { deviceId: string; deviceType?: string; model?: string },
  ): Promise<RegisteredDevice> {
    const response = await fetch(`${this.baseUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address, password, deviceType: 'phone', model: 'test', ...device }),
    });
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`register device: HTTP ${response.status} ${await response.text()}`);
    }
    return (await response.json()) as RegisteredDevice;
  }
}

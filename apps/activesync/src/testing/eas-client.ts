import { decodeWbxml, encodeWbxml, type WbxmlElement } from '@pushmail/activesync';

export interface EasResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  body: WbxmlElement | undefined;
}

/** A phone speaking only HTTP and WBXML, for the gateway's integration tests. */
export class EasTestClient {
  policyKey: string | undefined;

  constructor(
    private readonly baseUrl: string,
    readonly options: {
      address: string;
      password: string;
      deviceId: string;
      deviceType?: string;
      version?: string;
    },
  ) {}

  get authorization(): string {
    return `Basic ${Buffer.from(`${this.options.address}:${this.options.password}`).toString('base64')}`;
  }

  async command(
    cmd: string,
    body?: WbxmlElement,
    extra: { signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<EasResponse> {
    const query = new URLSearchParams({
      Cmd: cmd,
      User: this.options.address,
      DeviceId: this.options.deviceId,
      DeviceType: this.options.deviceType ?? 'iPhone',
    });
    const response = await fetch(`${this.baseUrl}/Microsoft-Server-ActiveSync?${query}`, {
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': 'application/vnd.ms-sync.wbxml',
        'ms-asprotocolversion': this.options.version ?? '14.1',
        'user-agent': 'TestPhone/1.0',
        ...(this.policyKey ? { 'x-ms-policykey': this.policyKey } : {}),
        ...extra.headers,
      },
      ...(body ? { body: new Uint8Array(encodeWbxml(body)) } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const isWbxml = response.headers.get('content-type') === 'application/vnd.ms-sync.wbxml';
    return {
      status: response.status,
      headers: response.headers,
      bytes,
      body: isWbxml && bytes.length > 0 ? decodeWbxml(bytes) : undefined,
    };
  }
}

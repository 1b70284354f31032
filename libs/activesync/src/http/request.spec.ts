import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActiveSyncRequestError, parseActiveSyncRequest } from './request.js';

const PATH = '/Microsoft-Server-ActiveSync';

/** The base64 query of a request, laid out as [MS-ASHTTP] 2.2.1.1.1.1 lays it out. */
function encodedQuery(fields: {
  version?: number;
  command?: number;
  locale?: number;
  deviceId?: Buffer;
  policyKey?: number;
  deviceType?: string;
  parameters?: Array<[number, Buffer]>;
}): string {
  const deviceId = fields.deviceId ?? Buffer.from('v140Device');
  const deviceType = Buffer.from(fields.deviceType ?? 'SmartPhone');
  const locale = Buffer.alloc(2);
  locale.writeUInt16LE(fields.locale ?? 0x0409);
  const policy = Buffer.alloc(4);
  if (fields.policyKey !== undefined) policy.writeUInt32LE(fields.policyKey);
  const bytes = Buffer.concat([
    Buffer.from([fields.version ?? 141, fields.command ?? 0]),
    locale,
    Buffer.from([deviceId.length]),
    deviceId,
    fields.policyKey === undefined ? Buffer.from([0]) : Buffer.concat([Buffer.from([4]), policy]),
    Buffer.from([deviceType.length]),
    deviceType,
    ...(fields.parameters ?? []).map(([tag, value]) =>
      Buffer.concat([Buffer.from([tag, value.length]), value]),
    ),
  ]);
  return bytes.toString('base64');
}

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ActiveSyncRequestError) return error.reason;
    throw error;
  }
  return undefined;
}

describe(parseActiveSyncRequest.name, () => {
  it('reads a plain query with the version and policy key from the headers', () => {
    const request = parseActiveSyncRequest(
      `${PATH}?Cmd=Sync&User=rmjones&DeviceId=v140Device&DeviceType=SmartPhone`,
      { 'ms-asprotocolversion': '14.1', 'x-ms-policykey': '3942919513' },
    );
    expect(request).toEqual({
      cmd: 'Sync',
      user: 'rmjones',
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      protocolVersion: '14.1',
      policyKey: '3942919513',
      encodedQuery: false,
    });
  });

  it('reads the command parameters of a plain SmartReply', () => {
    const request = parseActiveSyncRequest(
      `${PATH}?Cmd=SmartReply&User=a%40example.com&DeviceId=ApplF17ABC&DeviceType=iPhone&CollectionId=5&ItemId=5%3A12&SaveInSent=T`,
      { 'MS-ASProtocolVersion': '16.1', 'MS-ASAcceptMultiPart': 'T' },
    );
    expect(request).toMatchObject({
      cmd: 'SmartReply',
      user: 'a@example.com',
      collectionId: '5',
      itemId: '5:12',
      saveInSent: true,
      acceptMultiPart: true,
    });
  });

  it('reads the base64 query of the specification example', () => {
    // [MS-ASHTTP] 2.2.1.1.1.1: the same Sync request as the plain example, base64-encoded.
    const request = parseActiveSyncRequest(`${PATH}?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l`, {});
    expect(request).toEqual({
      cmd: 'Sync',
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      protocolVersion: '14.0',
      locale: 0x0409,
      encodedQuery: true,
    });
  });

  it('reads a base64 query with a binary device id, a policy key and command parameters', () => {
    const guid = Buffer.from('8f1c2ad4e0b9471aa2c35d6e7f809112', 'hex');
    const query = encodedQuery({
      version: 161,
      command: 3,
      deviceId: guid,
      policyKey: 1234567890,
      deviceType: 'iPhone',
      parameters: [
        [1, Buffer.from('5')],
        [3, Buffer.from('5:12')],
        [7, Buffer.from([0x03])],
        [8, Buffer.from('ünïcode@example.com')],
      ],
    });
    const request = parseActiveSyncRequest(`${PATH}?${encodeURIComponent(query)}`, {});
    expect(request).toEqual({
      cmd: 'SmartReply',
      deviceId: '8f1c2ad4e0b9471aa2c35d6e7f809112',
      deviceType: 'iPhone',
      protocolVersion: '16.1',
      policyKey: '1234567890',
      locale: 0x0409,
      collectionId: '5',
      itemId: '5:12',
      saveInSent: true,
      acceptMultiPart: true,
      user: 'ünïcode@example.com',
      encodedQuery: true,
    });
  });

  it('rejects an unknown command, in either form', () => {
    expect(reasonOf(() => parseActiveSyncRequest(`${PATH}?${encodedQuery({ command: 7 })}`, {}))).toBe(
      'unknown-command',
    );
    expect(
      reasonOf(() =>
        parseActiveSyncRequest(`${PATH}?Cmd=Explode&DeviceId=a&DeviceType=b`, {
          'MS-ASProtocolVersion': '14.1',
        }),
      ),
    ).toBe('unknown-command');
  });

  it('rejects a version it does not speak, and a missing one', () => {
    expect(reasonOf(() => parseActiveSyncRequest(`${PATH}?${encodedQuery({ version: 121 })}`, {}))).toBe(
      'unsupported-protocol-version',
    );
    expect(reasonOf(() => parseActiveSyncRequest(`${PATH}?Cmd=Sync&DeviceId=a&DeviceType=b`, {}))).toBe(
      'missing-protocol-version',
    );
  });

  it('rejects device ids and types outside the allowed characters and lengths', () => {
    const headers = { 'MS-ASProtocolVersion': '14.1' };
    const plain = (id: string, type = 'iPhone') =>
      reasonOf(() =>
        parseActiveSyncRequest(
          `${PATH}?Cmd=Sync&DeviceId=${encodeURIComponent(id)}&DeviceType=${encodeURIComponent(type)}`,
          headers,
        ),
      );
    expect(plain('a'.repeat(65))).toBe('invalid-device-id');
    expect(plain('abc def')).toBe('invalid-device-id');
    expect(plain('abc\u0000')).toBe('invalid-device-id');
    expect(plain('../../etc')).toBe('invalid-device-id');
    expect(plain('Appl-F17_x.1')).toBeUndefined();
    expect(plain('abc', 'i<script>')).toBe('invalid-device-type');
    expect(reasonOf(() => parseActiveSyncRequest(`${PATH}?Cmd=Sync&DeviceType=x`, headers))).toBe(
      'missing-parameter',
    );
    expect(
      reasonOf(() =>
        parseActiveSyncRequest(`${PATH}?${encodedQuery({ deviceId: Buffer.alloc(33, 0x41) })}`, {}),
      ),
    ).toBe('invalid-encoded-query');
    expect(
      reasonOf(() => parseActiveSyncRequest(`${PATH}?${encodedQuery({ deviceType: 'i Phone' })}`, {})),
    ).toBe('invalid-device-type');
  });

  it('rejects bad policy keys', () => {
    const url = `${PATH}?Cmd=Sync&DeviceId=a&DeviceType=b`;
    for (const key of ['abc', '-1', '4294967296', '1'.repeat(11)]) {
      expect(
        reasonOf(() =>
          parseActiveSyncRequest(url, { 'MS-ASProtocolVersion': '14.1', 'X-MS-PolicyKey': key }),
        ),
      ).toBe('invalid-policy-key');
    }
  });

  it('rejects every truncation of a base64 query and unknown parameter tags', () => {
    const bytes = Buffer.from(encodedQuery({ parameters: [[1, Buffer.from('inbox')]] }), 'base64');
    const withoutParameters = bytes.length - 2 - 'inbox'.length;
    for (let cut = 1; cut < bytes.length; cut++) {
      // Cut exactly before the parameters, the query is whole: a request without parameters.
      if (cut === withoutParameters) continue;
      const query = bytes.subarray(0, cut).toString('base64');
      expect(() => parseActiveSyncRequest(`${PATH}?${query}`, {})).toThrow(ActiveSyncRequestError);
    }
    expect(
      reasonOf(() =>
        parseActiveSyncRequest(`${PATH}?${encodedQuery({ parameters: [[9, Buffer.from('x')]] })}`, {}),
      ),
    ).toBe('unknown-parameter');
    expect(reasonOf(() => parseActiveSyncRequest(`${PATH}?not*base64`, {}))).toBe('invalid-encoded-query');
  });

  it('throws only ActiveSyncRequestError for any base64 query or query string', () => {
    const onlyRequestErrors = (url: string, headers: Record<string, string>) => {
      try {
        const request = parseActiveSyncRequest(url, headers);
        expect(request.deviceId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
        expect(request.deviceType).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      } catch (error) {
        expect(error).toBeInstanceOf(ActiveSyncRequestError);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        onlyRequestErrors(`${PATH}?${Buffer.from(bytes).toString('base64')}`, {});
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 120 }),
        fc.string({ maxLength: 12 }),
        (query, version) => {
          onlyRequestErrors(`${PATH}?${query}`, { 'MS-ASProtocolVersion': version });
        },
      ),
      { numRuns: 2000 },
    );
  });
});

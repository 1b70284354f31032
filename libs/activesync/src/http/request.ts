// The request line of an ActiveSync command ([MS-ASHTTP] 2.2.1.1): the plain query
// (`?Cmd=Sync&User=..&DeviceId=..&DeviceType=..`, version and policy key in headers) and the
// base64-encoded binary query (2.2.1.1.1.1) that some clients, iOS among them, send instead.

/** The protocol versions this library speaks; the gateway advertises exactly these. */
export const SUPPORTED_PROTOCOL_VERSIONS = ['14.0', '14.1', '16.1'] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

/** Command codes of the base64 query ([MS-ASHTTP] 2.2.1.1.1.1.2). */
export const COMMAND_CODES: Readonly<Record<number, string>> = {
  0: 'Sync',
  1: 'SendMail',
  2: 'SmartForward',
  3: 'SmartReply',
  4: 'GetAttachment',
  9: 'FolderSync',
  10: 'FolderCreate',
  11: 'FolderDelete',
  12: 'FolderUpdate',
  13: 'MoveItems',
  14: 'GetItemEstimate',
  15: 'MeetingResponse',
  16: 'Search',
  17: 'Settings',
  18: 'Ping',
  19: 'ItemOperations',
  20: 'Provision',
  21: 'ResolveRecipients',
  22: 'ValidateCert',
};

/** Every command name a request may carry (the plain query also knows Find, 16.1). */
export const COMMANDS: readonly string[] = [...Object.values(COMMAND_CODES), 'Find'];

export interface ActiveSyncRequest {
  cmd: string;
  user?: string;
  deviceId: string;
  deviceType: string;
  protocolVersion: string;
  policyKey?: string;
  attachmentName?: string;
  collectionId?: string;
  itemId?: string;
  longId?: string;
  occurrence?: string;
  saveInSent?: boolean;
  acceptMultiPart?: boolean;
  /** The client's locale (a Windows LCID), sent only in the base64 query. */
  locale?: number;
  /** Whether the query came base64-encoded. */
  encodedQuery: boolean;
}

export type ActiveSyncRequestErrorReason =
  | 'missing-command'
  | 'unknown-command'
  | 'missing-parameter'
  | 'invalid-parameter'
  | 'unknown-parameter'
  | 'invalid-device-id'
  | 'invalid-device-type'
  | 'missing-protocol-version'
  | 'unsupported-protocol-version'
  | 'invalid-policy-key'
  | 'invalid-encoded-query';

/** A request line the gateway answers with HTTP 400. */
export class ActiveSyncRequestError extends Error {
  readonly status = 400;
  constructor(
    readonly reason: ActiveSyncRequestErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ActiveSyncRequestError';
  }
}

// [MS-ASHTTP] says a DeviceId is at most 32 alphanumerics; clients in the field also use '-', '_'
// and '.' and somewhat longer ids, so those pass, but nothing else: the id keys device state.
const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const DEVICE_TYPE = /^[A-Za-z0-9._-]{1,64}$/;
const POLICY_KEY = /^[0-9]{1,10}$/;
const PROTOCOL_VERSION = /^[0-9]{1,2}\.[0-9]$/;
const MAX_PARAMETER_LENGTH = 1024;
// Control characters have no place in an identifier or a user name.
const CONTROL = /[\u0000-\u001f\u007f]/;

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function checkText(name: string, value: string): string {
  if (value.length === 0 || value.length > MAX_PARAMETER_LENGTH || CONTROL.test(value)) {
    throw new ActiveSyncRequestError(
      'invalid-parameter',
      `${name} is empty, too long or holds control characters`,
    );
  }
  return value;
}

function checkDevice(deviceId: string | undefined, deviceType: string | undefined): void {
  if (deviceId === undefined) throw new ActiveSyncRequestError('missing-parameter', 'DeviceId is missing');
  if (deviceType === undefined)
    throw new ActiveSyncRequestError('missing-parameter', 'DeviceType is missing');
  if (!DEVICE_ID.test(deviceId)) {
    throw new ActiveSyncRequestError(
      'invalid-device-id',
      'DeviceId must be 1 to 64 letters, digits, ".", "_" or "-"',
    );
  }
  if (!DEVICE_TYPE.test(deviceType)) {
    throw new ActiveSyncRequestError(
      'invalid-device-type',
      'DeviceType must be 1 to 64 letters, digits, ".", "_" or "-"',
    );
  }
}

function checkVersion(version: string | undefined): string {
  if (version === undefined || version === '') {
    throw new ActiveSyncRequestError('missing-protocol-version', 'MS-ASProtocolVersion is missing');
  }
  if (
    !PROTOCOL_VERSION.test(version) ||
    !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version)
  ) {
    throw new ActiveSyncRequestError(
      'unsupported-protocol-version',
      `protocol version ${PROTOCOL_VERSION.test(version) ? version : '(malformed)'} is not one of ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
    );
  }
  return version;
}

function checkCommand(cmd: string | undefined): string {
  if (cmd === undefined || cmd === '') throw new ActiveSyncRequestError('missing-command', 'Cmd is missing');
  if (!COMMANDS.includes(cmd))
    throw new ActiveSyncRequestError('unknown-command', 'Cmd names no ActiveSync command');
  return cmd;
}

/**
 * Reads the command, device and parameters of an ActiveSync request from its URL (path and query,
 * or absolute) and headers. Throws ActiveSyncRequestError, to be answered with HTTP 400, for
 * anything missing, malformed or outside the limits.
 */
export function parseActiveSyncRequest(url: string, headers: Headers): ActiveSyncRequest {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://activesync.invalid');
  } catch {
    throw new ActiveSyncRequestError('invalid-parameter', 'the request URL is malformed');
  }
  const rawQuery = parsed.search.startsWith('?') ? parsed.search.slice(1) : parsed.search;
  const params = new Map<string, string>();
  for (const [key, value] of parsed.searchParams) {
    const name = key.toLowerCase();
    if (!params.has(name)) params.set(name, value);
  }
  if (rawQuery !== '' && !params.has('cmd') && !rawQuery.includes('&')) {
    return parseEncodedQuery(rawQuery);
  }
  return parsePlainQuery(params, headers);
}

function parsePlainQuery(params: Map<string, string>, headers: Headers): ActiveSyncRequest {
  const cmd = checkCommand(params.get('cmd'));
  const deviceId = params.get('deviceid');
  const deviceType = params.get('devicetype');
  checkDevice(deviceId, deviceType);
  const protocolVersion = checkVersion(header(headers, 'MS-ASProtocolVersion')?.trim());
  const policyKey = header(headers, 'X-MS-PolicyKey')?.trim();
  if (policyKey !== undefined && !(POLICY_KEY.test(policyKey) && Number(policyKey) <= 0xffffffff)) {
    throw new ActiveSyncRequestError(
      'invalid-policy-key',
      'X-MS-PolicyKey must be an unsigned 32-bit number',
    );
  }
  const request: ActiveSyncRequest = {
    cmd,
    deviceId: deviceId!,
    deviceType: deviceType!,
    protocolVersion,
    encodedQuery: false,
  };
  if (policyKey !== undefined) request.policyKey = policyKey;
  const user = params.get('user');
  if (user !== undefined) request.user = checkText('User', user);
  const text = (name: string, key: keyof ActiveSyncRequest & string): void => {
    const value = params.get(name.toLowerCase());
    if (value !== undefined) (request as unknown as Record<string, unknown>)[key] = checkText(name, value);
  };
  text('AttachmentName', 'attachmentName');
  text('CollectionId', 'collectionId');
  text('ItemId', 'itemId');
  text('LongId', 'longId');
  text('Occurrence', 'occurrence');
  const saveInSent = params.get('saveinsent');
  if (saveInSent !== undefined) {
    if (saveInSent !== 'T' && saveInSent !== 'F') {
      throw new ActiveSyncRequestError('invalid-parameter', 'SaveInSent must be T or F');
    }
    request.saveInSent = saveInSent === 'T';
  }
  const multiPart = header(headers, 'MS-ASAcceptMultiPart')?.trim();
  if (multiPart !== undefined) {
    if (multiPart !== 'T' && multiPart !== 'F') {
      throw new ActiveSyncRequestError('invalid-parameter', 'MS-ASAcceptMultiPart must be T or F');
    }
    request.acceptMultiPart = multiPart === 'T';
  }
  return request;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Tags of the base64 query's command parameters ([MS-ASHTTP] 2.2.1.1.1.1.3). */
const PARAMETER_TAGS: Readonly<
  Record<number, 'attachmentName' | 'collectionId' | 'itemId' | 'longId' | 'occurrence' | 'options' | 'user'>
> = {
  0: 'attachmentName',
  1: 'collectionId',
  3: 'itemId',
  4: 'longId',
  6: 'occurrence',
  7: 'options',
  8: 'user',
};

function parseEncodedQuery(rawQuery: string): ActiveSyncRequest {
  const invalid = (why: string): never => {
    throw new ActiveSyncRequestError('invalid-encoded-query', `the base64 query is invalid: ${why}`);
  };
  let text: string;
  try {
    text = decodeURIComponent(rawQuery);
  } catch {
    return invalid('bad percent-encoding');
  }
  if (text.length > 4096 || !BASE64.test(text) || text.length % 4 === 1) invalid('not base64');
  const bytes = Buffer.from(text, 'base64');
  let offset = 0;
  const byte = (what: string): number => {
    const value = bytes[offset];
    if (value === undefined) return invalid(`it ends before the ${what}`);
    offset++;
    return value;
  };
  const take = (length: number, what: string): Buffer => {
    if (offset + length > bytes.length) invalid(`it ends inside the ${what}`);
    const slice = bytes.subarray(offset, offset + length);
    offset += length;
    return slice;
  };

  const versionByte = byte('protocol version');
  const protocolVersion = checkVersion(`${Math.floor(versionByte / 10)}.${versionByte % 10}`);
  const commandCode = byte('command code');
  const cmd = COMMAND_CODES[commandCode];
  if (cmd === undefined)
    throw new ActiveSyncRequestError('unknown-command', `unknown command code ${commandCode}`);
  const locale = take(2, 'locale').readUInt16LE(0);

  const deviceIdLength = byte('device id length');
  if (deviceIdLength === 0 || deviceIdLength > 32) invalid('the device id length is not 1 to 32 bytes');
  // [MS-ASHTTP]'s own example carries the id's characters ("v140Device"); clients that use a binary
  // id (a GUID) send raw bytes, which become their hexadecimal form, as other servers do too.
  const rawDeviceId = take(deviceIdLength, 'device id');
  const asText = rawDeviceId.toString('latin1');
  const deviceId = DEVICE_ID.test(asText) ? asText : rawDeviceId.toString('hex');

  const policyKeyLength = byte('policy key length');
  let policyKey: string | undefined;
  if (policyKeyLength === 4) policyKey = String(take(4, 'policy key').readUInt32LE(0));
  else if (policyKeyLength !== 0) invalid('the policy key length is neither 0 nor 4');

  const deviceTypeLength = byte('device type length');
  let deviceType: string;
  try {
    deviceType = strictUtf8.decode(take(deviceTypeLength, 'device type'));
  } catch (error) {
    if (error instanceof ActiveSyncRequestError) throw error;
    return invalid('the device type is not UTF-8');
  }
  checkDevice(deviceId, deviceType);

  const request: ActiveSyncRequest = {
    cmd,
    deviceId,
    deviceType,
    protocolVersion,
    locale,
    encodedQuery: true,
  };
  if (policyKey !== undefined) request.policyKey = policyKey;
  const seen = new Set<number>();
  while (offset < bytes.length) {
    const tag = byte('parameter tag');
    const length = byte('parameter length');
    const value = take(length, 'parameter value');
    const name = PARAMETER_TAGS[tag];
    if (name === undefined)
      throw new ActiveSyncRequestError('unknown-parameter', `unknown command parameter tag ${tag}`);
    if (seen.has(tag)) invalid(`parameter ${name} appears twice`);
    seen.add(tag);
    if (name === 'options') {
      if (length !== 1) invalid('the Options parameter is not one byte');
      const flags = value[0]!;
      if (flags & ~0x03) invalid('the Options parameter has unknown flags');
      request.saveInSent = (flags & 0x01) !== 0;
      request.acceptMultiPart = (flags & 0x02) !== 0;
      continue;
    }
    let decoded: string;
    try {
      decoded = strictUtf8.decode(value);
    } catch {
      return invalid(`parameter ${name} is not UTF-8`);
    }
    request[name] = checkText(name, decoded);
  }
  return request;
}

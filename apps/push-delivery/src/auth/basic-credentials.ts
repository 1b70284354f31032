import type { IncomingHttpHeaders } from 'node:http';
import { type PasswordCredentials, sha256Hex } from '@pushmail/edge';

/** What a standard client tells about itself, for its partnership and the access rules. */
export interface DeviceIdentity {
  deviceId: string;
  deviceType: string;
  model: string;
  os: string | null;
  userAgent: string | null;
}

const DEVICE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEVICE_ID_HEADER = 'x-device-id';
export const DEVICE_TYPE_HEADER = 'x-device-type';
export const DEVICE_MODEL_HEADER = 'x-device-model';
export const DEVICE_OS_HEADER = 'x-device-os';
/** The type recorded for a client that does not say. */
export const DEFAULT_DEVICE_TYPE = 'jmap-client';

/**
 * The client's device id from `X-Device-Id` or the `deviceId` query parameter; a client that sends
 * neither is told apart by its user agent: the same client software of the same account is one
 * partnership.
 */
export function deviceIdentityOf(
  headers: IncomingHttpHeaders,
  url: string | undefined,
  address: string,
): { ok: true; identity: DeviceIdentity } | { ok: false; detail: string } {
  const userAgent = text(headers['user-agent'], 512);
  const given = text(headers[DEVICE_ID_HEADER], 200) ?? queryDeviceId(url);
  if (given !== null && !DEVICE_ID.test(given)) {
    return { ok: false, detail: 'X-Device-Id must be 1 to 128 letters, digits or . _ : -' };
  }
  const deviceId = given ?? `ua-${sha256Hex(`${address}\n${userAgent ?? ''}`).slice(0, 32)}`;
  return {
    ok: true,
    identity: {
      deviceId,
      deviceType: text(headers[DEVICE_TYPE_HEADER], 64) ?? DEFAULT_DEVICE_TYPE,
      model: text(headers[DEVICE_MODEL_HEADER], 128) ?? userAgent?.slice(0, 128) ?? 'unknown',
      os: text(headers[DEVICE_OS_HEADER], 128),
      userAgent,
    },
  };
}

/**
 * The cache key of a successful sign-in: everything that went into the registry's decision, as a
 * digest, so the password itself is never kept.
 */
export function credentialsKey(credentials: PasswordCredentials, identity: DeviceIdentity): string {
  return sha256Hex(
    [credentials.address, credentials.password, identity.deviceId, identity.deviceType, identity.model].join(
      '\u0000',
    ),
  );
}

function queryDeviceId(url: string | undefined): string | null {
  if (!url) return null;
  const value = new URL(url, 'http://localhost').searchParams.get('deviceId');
  return value === null || value.length === 0 ? null : value.slice(0, 200);
}

function text(value: string | string[] | undefined, max: number): string | null {
  const single = Array.isArray(value) ? value[0] : value;
  const trimmed = single?.trim();
  return trimmed ? trimmed.slice(0, max) : null;
}

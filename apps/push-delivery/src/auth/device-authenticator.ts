import { createHash } from 'node:crypto';
import type { DeviceCredential } from './device-credential-index.js';

export const WWW_AUTHENTICATE_BEARER = 'Bearer realm="pushmail"';
/** Offered when a client tried a password: standard clients understand Basic. */
export const WWW_AUTHENTICATE_BASIC = 'Basic realm="pushmail", charset="UTF-8"';
/**
 * Both schemes a device may use, one challenge per header line (RFC 9110 §11.6.1): a standard
 * client sends its password only once it is offered Basic.
 */
export const WWW_AUTHENTICATE = [WWW_AUTHENTICATE_BASIC, WWW_AUTHENTICATE_BEARER];

/** Where credentials are looked up; until it has caught up, an unknown token may just be new. */
export interface CredentialLookup {
  readonly isCaughtUp: boolean;
  lookup(tokenSha256: string): DeviceCredential | undefined;
}

export interface AuthenticatedDevice {
  accountId: string;
  deviceId: string;
  /**
   * The digest the device authenticated with, to notice when exactly that token is revoked;
   * absent for a standard client that signed in with the account's password.
   */
  tokenSha256?: string;
}

export type AuthFailureStatus = 400 | 401 | 403 | 429 | 503;

export type AuthOutcome =
  | { ok: true; device: AuthenticatedDevice }
  | {
      ok: false;
      status: AuthFailureStatus;
      detail: string;
      /** The device that was refused, when it is known (blocked, wiped): for its diagnostic trail. */
      device?: { accountId: string; deviceId: string };
      /** Extra response headers: a challenge, Retry-After. */
      headers?: Record<string, string | string[]>;
    };

/** Real tokens are 48 characters; anything far longer is not worth hashing. */
const MAX_TOKEN_LENGTH = 512;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Checks an `Authorization: Bearer <device token>` header value against the credential index. A
 * quarantined device is let in: it is told it is quarantined and gets no mail until allowed.
 */
export function authenticateBearer(header: string | undefined, credentials: CredentialLookup): AuthOutcome {
  if (!credentials.isCaughtUp) {
    return { ok: false, status: 503, detail: 'device credentials are still loading; retry shortly' };
  }
  const token = header && header.length <= MAX_TOKEN_LENGTH + 16 ? BEARER.exec(header)?.[1] : undefined;
  if (!token || token.length > MAX_TOKEN_LENGTH) {
    return {
      ok: false,
      status: 401,
      detail:
        "credentials are required: a device token (Bearer) or the account's address and password (Basic)",
    };
  }
  const tokenSha256 = sha256Hex(token);
  const credential = credentials.lookup(tokenSha256);
  if (!credential) return { ok: false, status: 401, detail: 'unknown or revoked device token' };
  if (credential.access === 'blocked') {
    return { ok: false, status: 403, detail: blockedDetail(credential.accessRule) };
  }
  return {
    ok: true,
    device: { accountId: credential.accountId, deviceId: credential.deviceId, tokenSha256 },
  };
}

export function blockedDetail(rule: string | undefined): string {
  return rule ? `device blocked by administrator (${rule})` : 'device blocked by administrator';
}

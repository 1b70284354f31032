import { type DeviceCredential, sha256Hex, type TokenVerdict } from '@pushmail/edge';

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

/** Who settles a token the index lacks: device-registry, then the index once it has caught up. */
export interface TokenConfirmation {
  confirm(tokenSha256: string): Promise<TokenVerdict>;
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
      /** The digest of a well-formed token the index does not hold: device-registry may know it already. */
      unindexedTokenSha256?: string;
    };

/** Real tokens are 48 characters; anything far longer is not worth hashing. */
const MAX_TOKEN_LENGTH = 512;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

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
  if (!credential) return { ...UNKNOWN_TOKEN, unindexedTokenSha256: tokenSha256 };
  if (credential.access === 'blocked') {
    return { ok: false, status: 403, detail: blockedDetail(credential.accessRule) };
  }
  return {
    ok: true,
    device: { accountId: credential.accountId, deviceId: credential.deviceId, tokenSha256 },
  };
}

const UNKNOWN_TOKEN = { ok: false, status: 401, detail: 'unknown or revoked device token' } as const;

/**
 * A bearer token, checked with device-registry when the index does not hold it: a device that
 * registered a moment ago is let in once the index has caught up with its token, and told to retry
 * (503) rather than that its token is bad (401) while nobody can tell. The index always has the
 * last word: a token device-registry confirmed but the caught-up index no longer holds was revoked
 * meanwhile, and is refused.
 */
export async function authenticateBearerCheckingMisses(
  header: string | undefined,
  credentials: CredentialLookup,
  registry: TokenConfirmation,
): Promise<AuthOutcome> {
  const indexed = authenticateBearer(header, credentials);
  if (indexed.ok || indexed.unindexedTokenSha256 === undefined) return indexed;
  const verdict = await registry.confirm(indexed.unindexedTokenSha256);
  if (verdict.kind === 'unavailable') {
    return {
      ok: false,
      status: 503,
      detail: verdict.detail,
      headers: { 'Retry-After': String(verdict.retryAfterSeconds) },
    };
  }
  if (verdict.kind === 'unknown') return { ...UNKNOWN_TOKEN };
  const decided = authenticateBearer(header, credentials);
  if (decided.ok) return decided;
  // Still missing once the index holds the confirmed revision or later: revoked meanwhile.
  return decided.unindexedTokenSha256 === undefined ? decided : { ...UNKNOWN_TOKEN };
}

export function blockedDetail(rule: string | undefined): string {
  return rule ? `device blocked by administrator (${rule})` : 'device blocked by administrator';
}

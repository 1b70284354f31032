import { createHash } from 'node:crypto';

export interface PasswordCredentials {
  address: string;
  password: string;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_PASSWORD_LENGTH = 1024;

/** Offered on every 401: phones' mail apps sign in with the account's address and password. */
export const BASIC_CHALLENGE = 'Basic realm="pushmail", charset="UTF-8"';

/**
 * `Authorization: Basic base64(user:password)` as phones send it: the user is the address, possibly
 * behind a `DOMAIN\` prefix that some clients add. Undefined when it is not an address and password.
 */
export function parseBasic(header: string | undefined): PasswordCredentials | undefined {
  if (!header || header.length > 2 * (320 + MAX_PASSWORD_LENGTH) + 16) return undefined;
  const encoded = BASIC.exec(header)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = decoded.slice(0, colon).trim();
  const address = user.slice(user.lastIndexOf('\\') + 1).toLowerCase();
  const password = decoded.slice(colon + 1);
  if (!/^[^\s@\\]+@[^\s@]+$/.test(address) || address.length > 320) return undefined;
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return undefined;
  return { address, password };
}

/** A device token from `Authorization: Bearer <token>`; undefined when there is none. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header || header.length > 600) return undefined;
  return BEARER.exec(header)?.[1];
}

/** A digest of everything that went into a sign-in decision, so the password itself is never kept. */
export function signInKey(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex');
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Offered on every 401: phones' mail apps sign in with the account's address and password. */
export const BASIC_CHALLENGE = 'Basic realm="pushmail", charset="UTF-8"';

/** A device token from `Authorization: Bearer <token>`; undefined when there is none. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header || header.length > 600) return undefined;
  return BEARER.exec(header)?.[1];
}

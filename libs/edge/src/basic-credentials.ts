export interface PasswordCredentials {
  address: string;
  password: string;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i;
const MAX_ADDRESS_LENGTH = 320;
const MAX_PASSWORD_LENGTH = 1024;

export function isBasicAuthorization(header: string | undefined): boolean {
  return header !== undefined && /^Basic /i.test(header);
}

/**
 * `Authorization: Basic base64(address:password)` (RFC 7617, UTF-8); undefined when it is not an
 * address and password. With `domainPrefix`, a `DOMAIN\` before the address (as some phones' mail
 * apps send it) is dropped.
 */
export function parseBasic(
  header: string | undefined,
  options: { domainPrefix?: boolean } = {},
): PasswordCredentials | undefined {
  if (!header || header.length > 2 * (MAX_ADDRESS_LENGTH + MAX_PASSWORD_LENGTH) + 16) return undefined;
  const encoded = BASIC.exec(header)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = decoded.slice(0, colon).trim();
  const address = (options.domainPrefix ? user.slice(user.lastIndexOf('\\') + 1) : user).toLowerCase();
  const password = decoded.slice(colon + 1);
  const shape = options.domainPrefix ? /^[^\s@\\]+@[^\s@]+$/ : /^[^\s@]+@[^\s@]+$/;
  if (!shape.test(address) || address.length > MAX_ADDRESS_LENGTH) return undefined;
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return undefined;
  return { address, password };
}

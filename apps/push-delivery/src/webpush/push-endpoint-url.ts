import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a push service is never at: loopback, private (RFC 1918, RFC 4193), link-local (cloud
 * metadata lives there), carrier-grade NAT, "this network", multicast, reserved and documentation
 * ranges. A subscription URL is chosen by the client, so without this check the server would POST
 * to its own internal services on a client's behalf (SSRF).
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // IPv4-compatible (deprecated) and 6to4 addresses embed an IPv4 address, loopback included.
  ['::', 96],
  ['2002::', 16],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(network, prefix, 'ipv6');

/** True for an address no request of a client's choosing may reach. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // An IPv4 address written as IPv6 is judged as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return internal.check(mapped, 'ipv4');
    return internal.check(address, 'ipv6');
  }
  return internal.check(address, 'ipv4');
}

export interface EndpointPolicy {
  /** Loopback and private addresses, and plain http, allowed: development and tests only. */
  allowPrivate: boolean;
}

export const MAX_PUSH_URL_LENGTH = 2048;

/**
 * Why a client's push URL is refused, or undefined when it may be stored. The host is checked as
 * written here; the addresses it resolves to are checked again on every connection
 * (`guardedLookup`), as DNS may answer differently later.
 */
export function pushUrlProblem(value: string, policy: EndpointPolicy): string | undefined {
  if (value.length > MAX_PUSH_URL_LENGTH) return `url is longer than ${MAX_PUSH_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url is not an absolute URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:'))
    return 'url must be an https URL';
  if (url.username || url.password) return 'url must not carry credentials';
  if (policy.allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return isInternalAddress(host) ? 'url points at an internal address' : undefined;
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || !name.includes('.'))
    return 'url points at an internal host';
  return undefined;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for outgoing push requests: resolves as usual and refuses the connection when any
 * address is internal, so a name that resolves (or later re-resolves) inside the network is never
 * reached, whatever the URL said.
 */
export function guardedLookup(policy: EndpointPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      if (!policy.allowPrivate && list.some((entry) => isInternalAddress(entry.address))) {
        const refused = new Error(`${hostname} resolves to an internal address`) as NodeJS.ErrnoException;
        refused.code = 'EPUSHINTERNAL';
        return callback(refused, []);
      }
      const all = (options as { all?: boolean }).all === true;
      if (all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), []);
      callback(null, first.address, first.family);
    });
  };
}

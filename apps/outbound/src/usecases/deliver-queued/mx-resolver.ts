import type { MxRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { configuredDnsCache, type DnsLookup } from '@pushmail/platform';
import type { OutboundConfig } from '../../config/outbound-config.js';

/** Where deliveries look up a recipient domain's MX hosts; tests give their own. */
export const MX_RESOLVER = Symbol('MX_RESOLVER');

export type MxResolver = DnsLookup<MxRecord[]>;

/** The system's resolvers, or `DNS_SERVERS`, with a bound on each lookup. */
export function systemMxResolver(servers: readonly string[] | undefined): MxResolver {
  const resolver = new Resolver({ timeout: 5000, tries: 2 });
  if (servers) resolver.setServers(servers);
  return (name) => resolver.resolveMx(name);
}

/**
 * The MX lookups of deliveries, behind the cache `DNS_CACHE_SECONDS` configures: a queue of mail
 * to one domain asks once per TTL, not once per recipient and attempt. "No such domain" is
 * remembered with its code, so it stays a permanent failure.
 */
export function mxResolverFor(
  config: Pick<OutboundConfig, 'DNS_SERVERS' | 'DNS_CACHE_SECONDS'>,
  upstream: MxResolver = systemMxResolver(config.DNS_SERVERS),
): MxResolver {
  return configuredDnsCache(upstream, config.DNS_CACHE_SECONDS);
}

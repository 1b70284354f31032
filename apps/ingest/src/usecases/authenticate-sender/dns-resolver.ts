import { Resolver } from 'node:dns/promises';
import type { DNSResolver } from 'mailauth';

/** Where the sender checks look names up; tests give a resolver backed by their own zone. */
export const DNS_RESOLVER = Symbol('DNS_RESOLVER');

/** The system's resolvers, or the given servers, with a bound on each lookup. */
export function systemResolver(servers: readonly string[] | undefined): DNSResolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers) resolver.setServers(servers);
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

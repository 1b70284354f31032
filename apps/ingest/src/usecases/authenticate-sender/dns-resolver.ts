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

export interface DnsCacheOptions {
  /** How long an answer is reused. The system resolver does not report TXT records' TTLs, so this is a cap. */
  ttlMs: number;
  /** How long "no such name" / "no such record" is reused (RFC 2308), at most `ttlMs`. */
  negativeTtlMs: number;
  /** Names kept at most; the oldest entry makes room. */
  maxEntries: number;
  now?: () => number;
}

/** Answers that are facts about the zone, not failures to reach it: safe to remember. */
const NEGATIVE_ANSWERS = new Set(['ENOTFOUND', 'ENODATA']);

interface CacheEntry {
  expiresAt: number;
  answer: Promise<string[][] | string[]>;
}

/**
 * Every message's sender checks look up the same few names (the sender domain's SPF record, its
 * `_dmarc` record, DKIM keys), and a burst from one sender asks them all at once. This remembers
 * answers and "no such record" for a bounded time, and lets concurrent lookups of one name share one
 * query, so the cost of the checks does not grow with the message rate and a resolver's rate limit
 * is not reached per message. Timeouts and server failures are never remembered: the next message
 * asks again.
 */
export function cachedResolver(resolve: DNSResolver, options: DnsCacheOptions): DNSResolver {
  const now = options.now ?? Date.now;
  const entries = new Map<string, CacheEntry>();
  const negativeTtlMs = Math.min(options.negativeTtlMs, options.ttlMs);

  const remember = (key: string, entry: CacheEntry): void => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > options.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  };

  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const cached = entries.get(key);
    if (cached !== undefined && cached.expiresAt > now()) return cached.answer;
    // Until it settles, the lookup is shared by everyone who asks.
    const entry: CacheEntry = { expiresAt: Number.POSITIVE_INFINITY, answer: resolve(name, rrtype) };
    remember(key, entry);
    entry.answer.then(
      () => {
        entry.expiresAt = now() + options.ttlMs;
      },
      (error: unknown) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && NEGATIVE_ANSWERS.has(code)) entry.expiresAt = now() + negativeTtlMs;
        else if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return entry.answer;
  };
}

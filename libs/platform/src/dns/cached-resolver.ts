import { z } from 'zod';

/** A lookup of one record type of one name, as `Resolver.resolve(name, rrtype)` answers it. */
export type DnsLookup<Answer> = (name: string, rrtype: string) => Promise<Answer>;

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

interface CacheEntry<Answer> {
  expiresAt: number;
  answer: Promise<Answer>;
}

/**
 * Mail to or from one domain looks up the same few names (a sender domain's SPF record, its
 * `_dmarc` record, DKIM keys; a recipient domain's MX records), and a burst asks them all at once.
 * This remembers answers and "no such name" / "no such record" for a bounded time, and lets
 * concurrent lookups of one name share one query, so the cost of the lookups does not grow with the
 * message rate and a resolver's rate limit is not reached per message. A remembered failure is the
 * same error, code included, as the resolver gave. Timeouts and server failures are never
 * remembered: the next message asks again.
 */
export function cachedResolver<Answer>(
  resolve: DnsLookup<Answer>,
  options: DnsCacheOptions,
): DnsLookup<Answer> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, CacheEntry<Answer>>();
  const negativeTtlMs = Math.min(options.negativeTtlMs, options.ttlMs);

  const remember = (key: string, entry: CacheEntry<Answer>): void => {
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
    const entry: CacheEntry<Answer> = { expiresAt: Number.POSITIVE_INFINITY, answer: resolve(name, rrtype) };
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

/**
 * `DNS_CACHE_SECONDS`: how long a service reuses a DNS answer (at most a minute for "no such
 * record"); 0 asks the resolver every time. One field, one default, for every service that caches.
 */
export const dnsCacheSeconds = z.coerce.number().int().min(0).max(86_400).default(300);

/** "No such record" is reused for a minute at most, so a record just published is seen soon. */
const NEGATIVE_ANSWER_TTL_MS = 60_000;
/** A few names per domain: room for a few thousand domains. */
const DNS_CACHE_ENTRIES = 10_000;

/** `resolve` behind the cache `DNS_CACHE_SECONDS` configures; itself when it is 0. */
export function configuredDnsCache<Answer>(
  resolve: DnsLookup<Answer>,
  cacheSeconds: number,
): DnsLookup<Answer> {
  if (cacheSeconds === 0) return resolve;
  return cachedResolver(resolve, {
    ttlMs: cacheSeconds * 1000,
    negativeTtlMs: NEGATIVE_ANSWER_TTL_MS,
    maxEntries: DNS_CACHE_ENTRIES,
  });
}

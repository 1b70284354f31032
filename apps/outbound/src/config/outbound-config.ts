import { hostname } from 'node:os';
import {
  baseConfigSchema,
  bearerToken,
  csv,
  dnsCacheSeconds,
  port,
  positiveInt,
  postgresUrl,
  secret,
} from '@pushmail/platform';
import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1000;

/** `domain=host:port` pairs: where a domain's mail goes instead of its MX hosts (tests, private routes). */
const mxOverrides = csv.pipe(
  z.array(
    z
      .string()
      .regex(/^[^\s=@]+=[^\s=:]+(:\d{1,5})?$/, 'must be domain=host or domain=host:port')
      .transform((pair) => {
        const [domain, target] = pair.split('=') as [string, string];
        const [host, portText] = target.split(':') as [string, string | undefined];
        return { domain: domain.toLowerCase(), host, port: portText === undefined ? 25 : Number(portText) };
      }),
  ),
);

export const outboundConfigSchema = baseConfigSchema.extend({
  OUTBOUND_HTTP_PORT: port.default(8086),
  DATABASE_URL: postgresUrl,
  /** The name this service gives in EHLO and in the DSNs it writes. */
  OUTBOUND_HOSTNAME: z.string().min(1).max(255).default(hostname()),
  /** The domains hosted here: their mail goes straight to mail-arrived, never over SMTP. */
  MAIL_DOMAINS: csv.pipe(
    z
      .array(z.string().regex(/^[^\s@]+$/, 'must be domain names, not addresses'))
      .min(1, 'must name at least one domain')
      .transform((domains) => domains.map((domain) => domain.toLowerCase())),
  ),
  /**
   * A smarthost, `smtp://user:password@host:587` (STARTTLS) or `smtps://...:465`: every remote
   * message goes through it. Without one, mail goes to each domain's MX hosts.
   */
  RELAY_URL: secret(z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')).optional(),
  /** Refuse to send to the smarthost without TLS (STARTTLS or smtps). */
  RELAY_REQUIRE_TLS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** Check the smarthost's certificate; turn off only for a smarthost with a private certificate. */
  RELAY_TLS_VERIFY: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** DNS servers for MX lookups (`ip` or `ip:port`); the system's by default. */
  DNS_SERVERS: csv.pipe(z.array(z.string().min(1))).optional(),
  /** How long a domain's MX hosts are reused; 0 asks the resolver for every delivery attempt. */
  DNS_CACHE_SECONDS: dnsCacheSeconds,
  /** Fixed routes by domain, tried instead of MX records: `domain=host:port,...`. */
  MX_OVERRIDES: mxOverrides.optional(),
  /** Names the consumer group every replica shares: `<OUTBOUND_GROUP>-submitted-v2` reads the submissions. */
  OUTBOUND_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
    .default('outbound'),
  /** First retry after a temporary failure; each next one waits twice as long, up to the maximum. */
  RETRY_BASE_MS: positiveInt(DAY_MS).default(60_000),
  RETRY_MAX_MS: positiveInt(DAY_MS).default(4 * 60 * 60 * 1000),
  /** How long a message is retried before it bounces (5 days, RFC 5321 §4.5.4.1 suggests 4–5). */
  QUEUE_MAX_AGE_MS: positiveInt(30 * DAY_MS).default(5 * DAY_MS),
  /** How often the queue is looked at for deliveries that are due. */
  QUEUE_POLL_MS: positiveInt(60_000).default(500),
  /** Deliveries in progress at once on one replica. */
  DELIVERY_CONCURRENCY: positiveInt(100).default(10),
  /**
   * How long a replica holds a delivery it tries; renewed every third of it while the attempt runs,
   * so a replica that dies leaves its deliveries to the others this soon.
   */
  DELIVERY_LEASE_MS: z.coerce.number().int().min(1000).max(DAY_MS).default(60_000),
  /** One SMTP attempt's budget (connect, greeting, each command). */
  SMTP_TIMEOUT_MS: positiveInt(600_000).default(60_000),
  /** The bearer of outbound's `/admin` routes (DKIM keys), the same as operations'; unset: they answer 503. */
  ADMIN_TOKEN: bearerToken().optional(),
  /** After a rotation, how long the new key waits before it signs: time to publish its DNS record. */
  DKIM_ROTATION_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * DAY_MS)
    .default(2 * DAY_MS),
  /** How long a retired key's record stays to publish, so mail it signed still verifies. */
  DKIM_RETIRED_GRACE_MS: positiveInt(365 * DAY_MS).default(7 * DAY_MS),
});

export type OutboundConfig = z.infer<typeof outboundConfigSchema>;

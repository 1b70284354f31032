import { hostname } from 'node:os';
import { baseConfigSchema, csv, dnsCacheSeconds, port, positiveInt } from '@pushmail/platform';
import { z } from 'zod';
import { domainPolicies, inboundAuthPolicy } from '../usecases/authenticate-sender/inbound-auth-policy.js';

const ingestConfigFields = baseConfigSchema.extend({
  INGEST_HTTP_PORT: port.default(8083),
  SMTP_PORT: port.default(2525),
  SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** The name in the greeting and EHLO reply. */
  SMTP_HOSTNAME: z.string().min(1).max(255).default(hostname()),
  /** The domains whose mail this service accepts; anything else is relaying and refused. */
  MAIL_DOMAINS: csv.pipe(
    z
      .array(z.string().regex(/^[^\s@]+$/, 'must be domain names, not addresses'))
      .min(1, 'must name at least one domain')
      .transform((domains) => domains.map((domain) => domain.toLowerCase())),
  ),
  // Each event carries the message base64-encoded (4/3 of its size) and must fit the topic's
  // max.message.bytes (48 MiB), hence the ceiling.
  SMTP_MAX_MESSAGE_BYTES: positiveInt(32 * 1024 * 1024).default(10 * 1024 * 1024),
  SMTP_MAX_RECIPIENTS: positiveInt(10_000).default(100),
  SMTP_MAX_CLIENTS: positiveInt(1_000_000).default(1000),
  /** How many connections one client address may hold at once; more are refused with 421 4.7.0. */
  SMTP_MAX_CLIENTS_PER_ADDRESS: positiveInt(1_000_000).default(20),
  /** Idle time: how long the client may send nothing while the server waits for it. */
  SMTP_SOCKET_TIMEOUT_MS: positiveInt(3_600_000).default(60_000),
  // RFC 5321 §4.5.3.2 gives a client 5 minutes for a MAIL or RCPT reply and 10 for the end of
  // DATA; a trickling client resets the idle timer with every byte, so these bound the total.
  /** Total time a command line may take, from its first byte to its line end. */
  SMTP_COMMAND_TIMEOUT_MS: positiveInt(3_600_000).default(120_000),
  /** Total time from the 354 to the end of the message. */
  SMTP_DATA_TIMEOUT_MS: positiveInt(3_600_000).default(600_000),
  /** Error replies (5xx) a session may provoke before it is closed with 421 4.7.0. */
  SMTP_MAX_ERRORS: positiveInt(10_000).default(20),
  /** Each refused recipient after the first waits this much longer than the one before, up to 5 s. */
  SMTP_ERROR_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(100),
  /**
   * Where mail to `postmaster@<hosted domain>` goes when that address is not itself an account
   * (RFC 5321 §4.5.1): the address of an account under a hosted domain. Unset: the
   * `postmaster@` address of the first hosted domain.
   */
  POSTMASTER_ACCOUNT: z
    .string()
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
    .transform((address) => address.toLowerCase())
    .optional(),
  INGEST_PUBLISH_TIMEOUT_MS: positiveInt(600_000).default(8000),
  /** Per hosted domain, what a DMARC failure does: `example.com=reject,example.org=mark`. */
  INBOUND_AUTH_POLICY: domainPolicies.default(new Map()),
  /** The policy of a hosted domain that INBOUND_AUTH_POLICY does not name. */
  INBOUND_AUTH_DEFAULT_POLICY: inboundAuthPolicy.default('mark'),
  /** Time for all the DNS lookups of one message's sender checks. */
  INBOUND_AUTH_TIMEOUT_MS: positiveInt(120_000).default(10_000),
  /** Resolvers for the sender checks (`1.1.1.1,[::1]:53`); unset: the system's. */
  DNS_SERVERS: csv.pipe(z.array(z.string().min(1))).optional(),
  /** How long the sender checks reuse a DNS answer; 0 asks the resolver for every message. */
  DNS_CACHE_SECONDS: dnsCacheSeconds,
});

export const ingestConfigSchema = ingestConfigFields.superRefine((config, context) => {
  for (const domain of config.INBOUND_AUTH_POLICY.keys()) {
    if (!config.MAIL_DOMAINS.includes(domain)) {
      context.addIssue({
        code: 'custom',
        path: ['INBOUND_AUTH_POLICY'],
        message: `${domain} is not one of MAIL_DOMAINS`,
      });
    }
  }
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

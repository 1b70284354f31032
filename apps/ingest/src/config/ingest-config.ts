import { hostname } from 'node:os';
import { baseConfigSchema, csv, port, positiveInt } from '@pushmail/platform';
import { z } from 'zod';

export const ingestConfigSchema = baseConfigSchema.extend({
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
  SMTP_SOCKET_TIMEOUT_MS: positiveInt(3_600_000).default(60_000),
  INGEST_PUBLISH_TIMEOUT_MS: positiveInt(600_000).default(8000),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

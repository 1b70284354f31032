import { fileURLToPath } from 'node:url';
import { baseConfigSchema, bearerToken, csv, port, positiveInt, postgresUrl } from '@pushmail/platform';
import { z } from 'zod';

export const registryConfigSchema = baseConfigSchema.extend({
  REGISTRY_HTTP_PORT: port.default(8081),
  DATABASE_URL: postgresUrl,
  /** Compared only through digests. */
  ADMIN_TOKEN: bearerToken(),
  MAX_DEVICES_PER_ACCOUNT: positiveInt(1000).default(10),
  /** Where a newly registered device finds the JMAP session resource. */
  PUBLIC_JMAP_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Secret: the bearer push-delivery presents on `/internal/*` (password sign-ins of standard
   * clients, policy acknowledgements, wipe confirmations). Without it those endpoints answer 503.
   */
  INTERNAL_TOKEN: bearerToken().optional(),
  /** Failed sign-ins of one account within the window that lock it. */
  SIGN_IN_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  SIGN_IN_LOCKOUT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  SIGN_IN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** A failed sign-in is answered this late, doubling with each failure in the window (at most 4 s). */
  SIGN_IN_FAILURE_DELAY_MS: z.coerce.number().int().min(0).max(4000).default(250),
  /** The device diagnostic trail keeps this many days, and at most this many records per device. */
  TRAIL_RETENTION_DAYS: z.coerce.number().min(0.001).max(90).default(7),
  TRAIL_MAX_PER_DEVICE: z.coerce.number().int().min(10).max(100_000).default(2000),
  /**
   * The consumer groups that read the trail into this deployment's database: this one for
   * push-delivery's trail, and `<this>-decisions` for the device events. Every replica shares them;
   * a second deployment on the same broker needs its own.
   */
  TRAIL_CONSUMER_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,180}$/, 'letters, digits, ".", "_" and "-" only')
    .default('device-registry-trail'),
  /** A device not connected for this many days has a stale partnership. */
  DIAG_STALE_DAYS: z.coerce.number().min(0.001).max(3650).default(14),
  /** Pushes left unfetched this long count as never fetched. */
  DIAG_FETCH_GRACE_MS: z.coerce.number().int().min(0).default(120_000),
  /** Where the connectivity self-test sends its mail and connects as the device. */
  SELFTEST_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SELFTEST_SMTP_PORT: port.default(2525),
  SELFTEST_JMAP_WS_URL: z.url({ protocol: /^wss?$/ }).default('ws://127.0.0.1:8080/jmap/ws'),
  /** Services whose /metrics the console's live counters read, as name=url pairs. */
  CONSOLE_METRICS_URLS: z.string().default('').pipe(csv),
  /** The built operations console, served under /console/. */
  CONSOLE_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('../../console/', import.meta.url))),
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;

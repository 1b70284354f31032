import { fileURLToPath } from 'node:url';
import {
  baseConfigSchema,
  bearerToken,
  csv,
  httpUrl,
  port,
  positiveInt,
  databaseConfigShape,
} from '@pushmail/platform';
import { z } from 'zod';

export const operationsConfigSchema = baseConfigSchema.extend({
  OPERATIONS_HTTP_PORT: port.default(8085),
  ...databaseConfigShape,
  /**
   * The bearer of every `/admin` call, here and at device-registry (the same token). Compared only
   * through digests; operations presents it to device-registry's admin API.
   */
  ADMIN_TOKEN: bearerToken(),
  /** device-registry's HTTP API: accounts and devices are read there, and the console's other admin calls go there. */
  REGISTRY_URL: httpUrl.default('http://127.0.0.1:8081'),
  /** outbound's HTTP API: the admin calls about sending (DKIM keys, the queue) go there. */
  OUTBOUND_URL: httpUrl.default('http://127.0.0.1:8086'),
  /** The limit device-registry enforces (its MAX_DEVICES_PER_ACCOUNT), for the finding of a full account. */
  MAX_DEVICES_PER_ACCOUNT: positiveInt(1000).default(10),
  /**
   * The device diagnostic trail keeps this many days, and this many records per device, with a
   * slack of a tenth between enforcements (docs/console.md gives the exact bound).
   */
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
    .default('operations-trail'),
  /** A device not connected for this many days has a stale partnership. */
  DIAG_STALE_DAYS: z.coerce.number().min(0.001).max(3650).default(14),
  /** Pushes left unfetched this long count as never fetched. */
  DIAG_FETCH_GRACE_MS: z.coerce.number().int().min(0).default(120_000),
  /** How long past its heartbeat a parked ActiveSync Ping may take before it counts as never returning. */
  DIAG_PING_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
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

export type OperationsConfig = z.infer<typeof operationsConfigSchema>;

import {
  baseConfigSchema,
  bearerToken,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  httpUrl,
  port,
  positiveInt,
  postgresUrl,
  secret,
} from '@pushmail/platform';
import { tokenCheckConfig } from '@pushmail/edge';
import { z } from 'zod';

export const pushConfigSchema = baseConfigSchema.extend({
  PUSH_HTTP_PORT: port.default(8080),
  /** Where devices reach this service; the session resource builds every URL from it. */
  PUBLIC_URL: httpUrl.default('http://localhost:8080'),
  MAILBOX_URL: httpUrl.default('http://127.0.0.1:8082'),
  /** Shared with mailbox's internal endpoint. */
  INTERNAL_TOKEN: bearerToken(),
  /** How long a call to mailbox may take before the device is answered without it. */
  MAILBOX_TIMEOUT_MS: positiveInt().default(15_000),
  WS_PING_INTERVAL_MS: positiveInt().default(30_000),
  /** The WebSocket maxPayload: a bigger frame closes the socket with 1009. */
  WS_MAX_MESSAGE_BYTES: positiveInt().default(10_000_000),
  /** A socket whose unsent bytes pile up past this is too slow to keep and is closed with 1008. */
  WS_MAX_BUFFERED_BYTES: positiveInt().default(4 * 1024 * 1024),
  /**
   * Changes of one account arriving within this window go out as one StateChange. 0 (the default):
   * each consumer batch's changes are merged per account and go out at the end of the batch, with no
   * timer in the way.
   */
  PUSH_COALESCE_MS: z.coerce.number().int().min(0).default(0),
  /** Sustained JMAP requests per second one device may make, and the burst it may save up. */
  DEVICE_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  DEVICE_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  /**
   * WebSockets one device may hold open on a replica, and separately EventSource streams. One more
   * closes the device's oldest (WebSocket close code 4029; an EventSource stream gets a `close` event),
   * as that is the one a silently dropped network left behind.
   */
  PUSH_MAX_CONNECTIONS_PER_DEVICE: z.coerce.number().int().min(1).max(100).default(4),
  /**
   * WebSocketPushEnable messages one device may send per minute sustained, and the burst it may save
   * up: each one with a pushState reads the account's state from mailbox. Past it the device is
   * answered a RequestError of type `urn:ietf:params:jmap:error:limit`; a socket that already had
   * push keeps it as it was, one without push is closed with 1013 so its client reconnects later.
   */
  PUSH_ENABLE_RATE_PER_MINUTE: z.coerce.number().positive().default(30),
  PUSH_ENABLE_BURST: z.coerce.number().int().min(1).default(10),
  /** device-registry, for password sign-ins of standard clients, policy acknowledgements and wipe confirmations. */
  REGISTRY_URL: httpUrl.default('http://127.0.0.1:8081'),
  REGISTRY_TIMEOUT_MS: positiveInt().default(10_000),
  /** How long a successful password sign-in is remembered (keyed by a digest of the credentials). */
  PASSWORD_AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Tokens the credentials index does not hold yet are checked with device-registry (see docs/adr/0097). */
  ...tokenCheckConfig,
  /** How often devices' last sync times are reported to device-registry. */
  DEVICE_ACTIVITY_FLUSH_MS: positiveInt().default(10_000),
  /** How often the device diagnostic trail is published; 0 turns recording off. */
  TRAIL_FLUSH_MS: z.coerce.number().int().min(0).default(1000),
  /** Trail records held between flushes at most; past it new ones are dropped, never the push path slowed. */
  TRAIL_MAX_BUFFERED: z.coerce.number().int().min(100).default(20_000),
  /**
   * How long a device's pushes fold into one trail record (with a count) before it is published;
   * anything else the device does (a request, a disconnect) publishes its folds at once.
   */
  TRAIL_FOLD_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** The same for a device's pings and pongs (the heartbeat, every WS_PING_INTERVAL_MS). */
  TRAIL_HEARTBEAT_FOLD_MS: z.coerce.number().int().min(0).max(3_600_000).default(600_000),
  /**
   * Web Push (RFC 8620 §7.2, RFC 8030/8291/8292): on when a VAPID key pair is given. Subscriptions
   * live in push-delivery's own schema of this database, which every replica sees.
   */
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(24 * 3_600_000).default(DEFAULT_STATEMENT_TIMEOUT_MS),
  /** The VAPID application server key pair (P-256, base64url): `npx web-push generate-vapid-keys`. */
  WEBPUSH_VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'must be an uncompressed P-256 public key, base64url')
    .optional(),
  WEBPUSH_VAPID_PRIVATE_KEY: secret(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 private key, base64url')
      .optional(),
  ),
  /** Who push services contact about this server's pushes (RFC 8292 §2.1): mailto: or https:. */
  WEBPUSH_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https: URL')
    .default('mailto:postmaster@localhost'),
  /**
   * Lets subscriptions point at loopback and private addresses, and plain http: for development and
   * tests only. Off, a URL inside the network is refused (SSRF), and so is any name resolving there.
   */
  WEBPUSH_ALLOW_PRIVATE_ENDPOINTS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** The longest a subscription lives before the client must renew it (RFC 8620 §7.2 `expires`). */
  WEBPUSH_MAX_EXPIRY_DAYS: positiveInt(365).default(7),
  WEBPUSH_MAX_SUBSCRIPTIONS_PER_ACCOUNT: positiveInt(1000).default(20),
  WEBPUSH_TIMEOUT_MS: positiveInt().default(10_000),
  /**
   * Pushes per second sent to one push service (a URL origin), and the burst saved up. Past it a
   * subscription's push waits, absorbing later changes, instead of the service throttling us.
   */
  WEBPUSH_RATE_PER_SECOND: z.coerce.number().positive().default(50),
  WEBPUSH_RATE_BURST: z.coerce.number().int().min(1).default(200),
});

export type PushConfig = z.infer<typeof pushConfigSchema>;

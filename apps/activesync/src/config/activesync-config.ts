import {
  baseConfigSchema,
  bearerToken,
  databaseConfigShape,
  httpUrl,
  port,
  positiveInt,
} from '@pushmail/platform';
import { tokenCheckConfig } from '@pushmail/edge';
import { z } from 'zod';

export const activeSyncConfigSchema = baseConfigSchema
  .extend({
    ACTIVESYNC_HTTP_PORT: port.default(8084),
    ...databaseConfigShape,
    /** Where phones reach this service: Autodiscover hands out `<PUBLIC_URL>/Microsoft-Server-ActiveSync`. */
    ACTIVESYNC_PUBLIC_URL: httpUrl.default('http://localhost:8084'),
    MAILBOX_URL: httpUrl.default('http://127.0.0.1:8082'),
    REGISTRY_URL: httpUrl.default('http://127.0.0.1:8081'),
    /** Shared with mailbox's and device-registry's internal endpoints. */
    INTERNAL_TOKEN: bearerToken(),
    MAILBOX_TIMEOUT_MS: positiveInt().default(15_000),
    REGISTRY_TIMEOUT_MS: positiveInt().default(10_000),
    /** How long a successful Basic sign-in is remembered (keyed by a digest of the credentials). */
    PASSWORD_AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
    /** Tokens the credentials index does not hold yet are checked with device-registry (see docs/adr/0097). */
    ...tokenCheckConfig,
    /** The largest WBXML request body read; a bigger one is answered 413 without being parsed. */
    ACTIVESYNC_MAX_REQUEST_BYTES: positiveInt().default(10_000_000),
    /** The largest message a phone sends (SendMail, SmartReply and SmartForward with the original): Status 122 beyond. */
    SEND_MAX_MESSAGE_BYTES: positiveInt().default(10 * 1024 * 1024),
    /** The largest attachment served (GetAttachment, ItemOperations Fetch); a bigger one is refused, not cut. */
    ATTACHMENT_MAX_BYTES: positiveInt().default(25 * 1024 * 1024),
    /** Ping heartbeat bounds in seconds: a Ping outside them is answered Status 5 with the nearest bound. */
    PING_MIN_HEARTBEAT_SECONDS: positiveInt(3540).default(60),
    PING_MAX_HEARTBEAT_SECONDS: positiveInt(3540).default(3540),
    /** The most folders one Ping may watch (Status 6 with MaxFolders beyond). */
    PING_MAX_FOLDERS: positiveInt(1000).default(300),
    /** The most items one Sync response carries per collection, whatever WindowSize the device asks. */
    SYNC_MAX_WINDOW_SIZE: positiveInt(512).default(512),
    /** The most messages of one folder the gateway keeps in step with a device (newest first). */
    SYNC_MAX_ITEMS_PER_FOLDER: positiveInt(100_000).default(10_000),
    /** How often the devices seen (version, last command, heartbeat) are reported to device-registry. */
    DEVICE_ACTIVITY_FLUSH_MS: positiveInt().default(10_000),
    /**
     * A replica no device has waited on for this long stops reading mailbox changes until the next
     * Ping or held Sync (ADR 0107); 0 reads them always.
     */
    MAILBOX_CHANGES_IDLE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    /** How often the diagnostic trail is published to Kafka; 0 keeps no trail. */
    TRAIL_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  })
  .refine((config) => config.PING_MIN_HEARTBEAT_SECONDS <= config.PING_MAX_HEARTBEAT_SECONDS, {
    message: 'PING_MIN_HEARTBEAT_SECONDS must not exceed PING_MAX_HEARTBEAT_SECONDS',
    path: ['PING_MIN_HEARTBEAT_SECONDS'],
  });

export type ActiveSyncConfig = z.infer<typeof activeSyncConfigSchema>;

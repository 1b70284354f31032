import { baseConfigSchema, bearerToken, databaseConfigShape, port, positiveInt } from '@pushmail/platform';
import { z } from 'zod';

export const mailboxConfigSchema = baseConfigSchema.extend({
  MAILBOX_HTTP_PORT: port.default(8082),
  ...databaseConfigShape,
  /** Shared with push-delivery; compared only through digests. */
  INTERNAL_TOKEN: bearerToken(),
  /** How long the per-account change log answers `/changes` before a client must resync. */
  CHANGES_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** The consumer group every replica shares to store deliveries; a separate deployment needs its own. */
  MAILBOX_DELIVERY_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
    .default('mailbox'),
  /**
   * Partitions of mail-arrived stored at once by one replica: each has a database connection of its
   * own while it stores, so this stays well below the pool's 10.
   */
  DELIVERY_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(6).default(3),
  /**
   * The group every replica shares to keep submissions' deliveryStatus current; by default
   * `<MAILBOX_DELIVERY_GROUP>-status`, so a separate deployment gets its own with the other.
   */
  MAILBOX_DELIVERY_STATUS_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
    .optional(),
  /** Per-account sending limits (EmailSubmission/set): messages in any hour, recipients of one message. */
  SUBMISSION_MAX_PER_HOUR: positiveInt(1_000_000).default(200),
  SUBMISSION_MAX_RECIPIENTS: positiveInt(10_000).default(100),
  // The event carries the message base64-encoded and must fit mail-submitted's 48 MiB.
  SUBMISSION_MAX_BYTES: positiveInt(32 * 1024 * 1024).default(10 * 1024 * 1024),
  /** An undo window: a submission stays `pending` (cancelable) this long before it goes out; 0 sends at once. */
  SUBMISSION_DELAY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  /**
   * The longest a client may hold a submission with FUTURERELEASE (RFC 4865), as `maxDelayedSend`;
   * 0 refuses client-chosen send times. push-delivery reads it from `/internal/jmap/limits` for the
   * session it advertises.
   */
  SUBMISSION_MAX_HOLD_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(604_800),
  /**
   * The JSON bytes one JMAP request may answer (docs/adr/0051); Email/get and Email/parse stop
   * building at it, so it also bounds what one request holds in memory.
   */
  JMAP_MAX_RESPONSE_BYTES: positiveInt(256 * 1024 * 1024).default(16_000_000),
});

export type MailboxConfig = z.infer<typeof mailboxConfigSchema>;

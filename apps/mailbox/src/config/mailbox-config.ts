import { messagingConfigShape, port } from '@pushmail/platform';
import { z } from 'zod';

export const mailboxConfigSchema = z.object({
  MAILBOX_HTTP_PORT: port.default(8082),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
  ...messagingConfigShape,
  /** Secret shared with push-delivery: compared only through digests, never logged. */
  INTERNAL_TOKEN: z.string().min(24),
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
});

export type MailboxConfig = z.infer<typeof mailboxConfigSchema>;

export const MAILBOX_CONFIG = Symbol('MAILBOX_CONFIG');
export const MAILBOX_LOGGER = Symbol('MAILBOX_LOGGER');

/** Settings that are not environment variables: fixed in production, varied by tests. */
export interface MailboxRuntimeOptions {
  /** The consumer group that stores deliveries; every replica of the service shares it. */
  deliveryGroupId: string;
}

export const DEFAULT_RUNTIME_OPTIONS: MailboxRuntimeOptions = { deliveryGroupId: 'mailbox' };
export const MAILBOX_RUNTIME_OPTIONS = Symbol('MAILBOX_RUNTIME_OPTIONS');

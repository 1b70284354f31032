import { z } from 'zod';
import { csv } from '../config/load-config.js';

/**
 * The Kafka settings every service reads; each service's config schema spreads them in.
 * `KAFKA_TOPICS=create` (development, tests) creates missing topics; `verify` (production, where the
 * operator or Strimzi owns the topics) only checks them and refuses to start when one is missing or
 * has other partitions or fewer replicas than declared.
 */
export const messagingConfigShape = {
  KAFKA_BROKERS: csv.pipe(z.array(z.string()).min(1, 'must name at least one broker')),
  KAFKA_TOPICS: z.enum(['create', 'verify']).default('create'),
  /** Replicas of a topic this service creates, and the fewest a verified topic may have. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(16).default(1),
};

export type MessagingConfig = z.infer<z.ZodObject<typeof messagingConfigShape>>;

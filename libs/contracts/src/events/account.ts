import { z } from 'zod';
import { accountId, emailAddress, isoTimestamp } from './common.js';

/**
 * The latest state of an account, on a compacted topic: reading the topic from the start gives
 * every account's current snapshot. `revision` grows with every change so a consumer can ignore
 * an older snapshot that arrives late.
 */
export const accountSnapshotV1 = z.object({
  accountId,
  revision: z.int().nonnegative(),
  address: emailAddress,
  status: z.enum(['active', 'disabled', 'deleted']),
  updatedAt: isoTimestamp,
});
export type AccountSnapshotV1 = z.infer<typeof accountSnapshotV1>;

import { z } from 'zod';
import { isoTimestamp } from './common.js';

/** An event a consumer could not use, kept with the reason and its original bytes for replay. */
export const deadLetterV1 = z.object({
  sourceTopic: z.string().min(1),
  partition: z.int().nonnegative(),
  offset: z.string().min(1),
  key: z.string().nullable(),
  consumerGroup: z.string().min(1),
  reason: z.string().min(1).max(4000),
  valueBase64: z.base64(),
  headers: z.record(z.string(), z.string()),
  failedAt: isoTimestamp,
});
export type DeadLetterV1 = z.infer<typeof deadLetterV1>;

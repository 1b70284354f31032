import { isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const waitingStatusSchema = z.enum(['queued', 'deferred']);

export const queueQuerySchema = z.object({
  status: waitingStatusSchema.optional().describe('Only `queued` (not tried yet) or `deferred` (to retry).'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type QueueQuery = z.output<typeof queueQuerySchema>;

export const deliveryIdParamSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,17}$/, 'must be a delivery id')
  .describe('A queued delivery (one recipient of one submission).');

export const queuedDeliverySchema = z
  .object({
    deliveryId: z.string(),
    submissionId: z.string(),
    accountId: z.uuid(),
    sender: z.string(),
    recipient: z.string(),
    status: waitingStatusSchema,
    attempts: z.int(),
    nextAttemptAt: isoTimestamp,
    expiresAt: isoTimestamp.describe('When it bounces if still not delivered.'),
    lastReply: z.string().nullable(),
    inProgress: z.boolean().describe('A replica is trying it right now.'),
    cancelRequested: z.boolean().describe('Cancelled: it bounces at the next pass of the queue.'),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'QueuedDelivery' });
export type QueuedDelivery = z.output<typeof queuedDeliverySchema>;

export const queuePageSchema = z
  .object({ deliveries: z.array(queuedDeliverySchema) })
  .meta({ id: 'QueuePage' });
export type QueuePage = z.output<typeof queuePageSchema>;

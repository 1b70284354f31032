import { z } from 'zod';

/** What push-delivery sends: the account it authenticated, and the client's JMAP request as is. */
export const internalJmapRequestSchema = z.object({
  accountId: z.uuid(),
  request: z.unknown(),
});

export type InternalJmapRequest = z.infer<typeof internalJmapRequestSchema>;

export const accountIdParam = z.uuid();

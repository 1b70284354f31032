import { z } from 'zod';

/** What push-delivery sends: the account it authenticated, and the client's JMAP request as is. */
export const internalJmapRequestSchema = z.object({
  accountId: z.uuid(),
  request: z.unknown(),
  /** The account's address as the edge knows it: the one address it owns and may send from. */
  address: z.string().min(3).max(320).optional(),
});

export type InternalJmapRequest = z.infer<typeof internalJmapRequestSchema>;

export const accountIdParam = z.uuid();

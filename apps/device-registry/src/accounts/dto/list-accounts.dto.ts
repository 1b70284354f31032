import { z } from 'zod';

export const listAccountsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(1000).optional(),
});

export type ListAccountsQuery = z.output<typeof listAccountsQuerySchema>;

export const accountIdParamSchema = z.uuid();

import { z } from 'zod';
import { accountAddress } from './account-address.js';

export const listAccountsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(1000).optional(),
  /** Only the account with this address (case-insensitive). */
  address: accountAddress.optional(),
  /** Only accounts locked out by failed sign-ins. */
  locked: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true'),
});

export type ListAccountsQuery = z.output<typeof listAccountsQuerySchema>;

export const accountIdParamSchema = z.uuid();

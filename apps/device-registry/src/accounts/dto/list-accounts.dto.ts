import { z } from 'zod';
import { accountAddress } from './account-address.js';

export const listAccountsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size.'),
  cursor: z.string().min(1).max(1000).optional().describe('The `nextCursor` of the previous page.'),
  address: accountAddress.optional().describe('Only the account with this address (case-insensitive).'),
  locked: z
    .enum(['true', 'false'])
    .optional()
    .describe('Only accounts locked out now by failed sign-ins.')
    .transform((value) => value === 'true'),
});

export type ListAccountsQuery = z.output<typeof listAccountsQuerySchema>;

export const accountIdParamSchema = z.uuid().describe('The account id.');

import { z } from 'zod';
import { accountAddress } from './account-address.js';

export const createAccountSchema = z.object({
  address: accountAddress,
  // The upper bound keeps one request from buying minutes of hashing.
  password: z.string().min(8).max(1024),
  displayName: z.string().trim().min(1).max(200).optional(),
});

export type CreateAccountDto = z.output<typeof createAccountSchema>;

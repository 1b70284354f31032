import { deviceWipeKinds } from '@pushmail/contracts';
import { z } from 'zod';

export const requestWipeSchema = z.object({
  /** `full`: erase the whole device; `account`: only this account's data on it. */
  kind: z.enum(deviceWipeKinds),
  /** Who asks, kept with the wipe for the record. */
  requestedBy: z.string().trim().min(1).max(200).default('administrator'),
});
export type RequestWipeDto = z.output<typeof requestWipeSchema>;

export const cancelWipeQuerySchema = z.object({
  cancelledBy: z.string().trim().min(1).max(200).default('administrator'),
});

export const listWipesQuerySchema = z.object({
  accountId: z.uuid().optional(),
  status: z.enum(['pending', 'confirmed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ListWipesQuery = z.output<typeof listWipesQuerySchema>;

import { deviceWipeKinds, isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const requestWipeSchema = z.object({
  /** `full`: erase the whole device; `account`: only this account's data on it. */
  kind: z.enum(deviceWipeKinds),
  /** Who asks, kept with the wipe for the record. */
  requestedBy: z.string().trim().min(1).max(200).default('administrator'),
});
export type RequestWipeDto = z.output<typeof requestWipeSchema>;

export const cancelWipeQuerySchema = z.object({
  cancelledBy: z.string().trim().min(1).max(200).default('administrator').describe('Who withdraws it.'),
});

export const listWipesQuerySchema = z.object({
  accountId: z.uuid().optional().describe('Only this account.'),
  status: z.enum(['pending', 'confirmed', 'cancelled']).optional().describe('Only this status.'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many.'),
});

export const wipeIdParamSchema = z.uuid().describe('The wipe id.');
export type ListWipesQuery = z.output<typeof listWipesQuerySchema>;

export const wipeSchema = z
  .object({
    wipeId: z.uuid(),
    accountId: z.uuid(),
    deviceId: z.string(),
    kind: z.enum(deviceWipeKinds),
    status: z.enum(['pending', 'confirmed', 'cancelled']),
    requestedBy: z.string(),
    requestedAt: isoTimestamp,
    confirmedAt: isoTimestamp.nullable(),
    cancelledAt: isoTimestamp.nullable(),
    cancelledBy: z.string().nullable(),
  })
  .meta({ id: 'Wipe' });
export type WipeView = z.output<typeof wipeSchema>;

export const wipesSchema = z.object({ wipes: z.array(wipeSchema) });

import { deviceAccessLevels } from '@pushmail/contracts';
import { z } from 'zod';

export const searchDevicesQuerySchema = z.object({
  accountId: z.uuid().optional(),
  access: z.enum(deviceAccessLevels).optional(),
  status: z.enum(['active', 'wiped']).optional(),
  /** Part of the device id, model, device type, user agent or account address. */
  q: z.string().trim().min(1).max(200).optional(),
  /** Devices that have not synced since this instant (or never). */
  syncedBefore: z.iso.datetime({ offset: true }).optional(),
  syncedSince: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(1000).optional(),
});
export type SearchDevicesQuery = z.output<typeof searchDevicesQuerySchema>;

import { deviceAccessLevels } from '@pushmail/contracts';
import { z } from 'zod';

export const searchDevicesQuerySchema = z.object({
  accountId: z.uuid().optional().describe('Only this account.'),
  access: z.enum(deviceAccessLevels).optional().describe('Only this access level.'),
  status: z.enum(['active', 'wiped']).optional().describe('Only this status.'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('Part of the device id, model, device type, user agent or account address.'),
  syncedBefore: z.iso.datetime({ offset: true }).optional().describe('Not synced since (or never).'),
  syncedSince: z.iso.datetime({ offset: true }).optional().describe('Synced since.'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size.'),
  cursor: z.string().min(1).max(1000).optional().describe('The `nextCursor` of the previous page.'),
});
export type SearchDevicesQuery = z.output<typeof searchDevicesQuerySchema>;

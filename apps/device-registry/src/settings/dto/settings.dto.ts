import { deviceAccessLevels } from '@pushmail/contracts';
import { z } from 'zod';

export const updateSettingsSchema = z
  .object({
    defaultAccess: z.enum(deviceAccessLevels).optional(),
    defaultPolicyId: z.uuid().nullable().optional(),
  })
  .refine((body) => body.defaultAccess !== undefined || body.defaultPolicyId !== undefined, {
    message: 'give defaultAccess, defaultPolicyId or both',
  });
export type UpdateSettingsDto = z.output<typeof updateSettingsSchema>;

export const settingsSchema = z
  .object({
    defaultAccess: z
      .enum(deviceAccessLevels)
      .describe('Access of a device that no exemption or rule decides.'),
    defaultPolicyId: z
      .uuid()
      .nullable()
      .describe('The policy of every account without its own; null for none.'),
  })
  .meta({ id: 'Settings' });
export type OrgSettingsView = z.output<typeof settingsSchema>;

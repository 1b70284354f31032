import { deviceIdSchema } from '@pushmail/contracts';
import { z } from 'zod';
import { accountAddress } from '../../accounts/dto/account-address.js';

export { deviceIdSchema };

/** Optional free text: trimmed, bounded, and null when absent or empty. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((value) => (value ? value : null));

export const registerDeviceSchema = z.object({
  address: accountAddress,
  // Any length is a possible (wrong) password: only the upper bound guards the hashing cost.
  password: z.string().min(1).max(1024),
  deviceId: deviceIdSchema,
  deviceType: z.string().trim().min(1).max(64),
  model: z.string().trim().min(1).max(128),
  os: optionalText(128),
  userAgent: optionalText(512),
});

export type RegisterDeviceDto = z.output<typeof registerDeviceSchema>;

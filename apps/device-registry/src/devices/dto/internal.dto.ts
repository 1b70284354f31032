import { z } from 'zod';
import { accountAddress } from '../../accounts/dto/account-address.js';
import { deviceIdSchema } from './register-device.dto.js';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((value) => (value ? value : null));

export const authenticateDeviceSchema = z.object({
  address: accountAddress,
  password: z.string().min(1).max(1024),
  deviceId: deviceIdSchema,
  deviceType: z.string().trim().min(1).max(64),
  model: z.string().trim().min(1).max(128),
  os: optionalText(128),
  userAgent: optionalText(512),
  /** The device's own address as push-delivery saw it. */
  clientAddress: optionalText(64),
});
export type AuthenticateDeviceDto = z.output<typeof authenticateDeviceSchema>;

const deviceRef = { accountId: z.uuid(), deviceId: deviceIdSchema };

export const acknowledgePolicySchema = z.object({
  ...deviceRef,
  version: z.int().positive(),
  policyId: z.uuid().optional(),
});
export type AcknowledgePolicyDto = z.output<typeof acknowledgePolicySchema>;

export const confirmWipeSchema = z.object({ ...deviceRef, wipeId: z.uuid() });

export const internalRotateTokenSchema = z.object({
  ...deviceRef,
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const activitySchema = z.object({
  sightings: z
    .array(
      z.object({
        ...deviceRef,
        seenAt: z.iso.datetime({ offset: true }),
        clientAddress: optionalText(64),
      }),
    )
    .max(10_000),
});
export type ActivityDto = z.output<typeof activitySchema>;

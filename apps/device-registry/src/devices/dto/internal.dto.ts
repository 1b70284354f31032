import { z } from 'zod';
import { deviceIdSchema, optionalText, registerDeviceSchema } from './register-device.dto.js';

/** What a device signs in with: what it registers with, plus its address as push-delivery saw it. */
export const authenticateDeviceSchema = registerDeviceSchema.extend({
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
export type ConfirmWipeDto = z.output<typeof confirmWipeSchema>;

export const internalRotateTokenSchema = z.object({
  ...deviceRef,
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type InternalRotateTokenDto = z.output<typeof internalRotateTokenSchema>;

export const activitySchema = z.object({
  sightings: z
    .array(
      z.object({
        ...deviceRef,
        seenAt: z.iso.datetime({ offset: true }),
        clientAddress: optionalText(64),
        /** Sent by the ActiveSync gateway: marks the partnership as ActiveSync and what it last did. */
        activesync: z
          .object({
            protocolVersion: z.string().regex(/^\d{1,2}\.\d{1,2}$/),
            lastCommand: z.string().regex(/^[A-Za-z]{1,32}$/),
            heartbeatSeconds: z.int().min(1).max(86_400).nullable(),
          })
          .optional(),
      }),
    )
    .max(10_000),
});
export type ActivityDto = z.output<typeof activitySchema>;

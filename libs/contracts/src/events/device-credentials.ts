import { z } from 'zod';
import { accountId, isoTimestamp } from './common.js';
import { devicePolicyV1, deviceWipeCommandV1, policyAcknowledgementV1 } from './device-policy.js';

export const deviceAccessLevels = ['allowed', 'blocked', 'quarantined'] as const;
export type DeviceAccessLevel = (typeof deviceAccessLevels)[number];

/**
 * Internal: what the device edge needs to authenticate an account's devices, as a compacted
 * snapshot per account. Tokens appear only as SHA-256 digests of 256-bit random secrets, which
 * cannot be turned back into a token.
 */
export const deviceCredentialsV1 = z.object({
  accountId,
  revision: z.int().nonnegative(),
  accountStatus: z.enum(['active', 'disabled', 'deleted']),
  devices: z
    .array(
      z.object({
        deviceId: z.string().min(1).max(128),
        tokenSha256: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(4),
        access: z.enum(deviceAccessLevels),
        /** The rule that decided `access`, worded for an administrator. */
        accessRule: z.string().min(1).max(300).optional(),
        /** `wiped` once the device confirmed a remote wipe: it has no tokens and may not connect. */
        status: z.enum(['active', 'wiped']).optional(),
        acknowledgedPolicy: policyAcknowledgementV1.nullable().optional(),
        /** A wipe the device has not confirmed yet: it is sent the command before anything else. */
        pendingWipe: deviceWipeCommandV1.nullable().optional(),
      }),
    )
    .max(1000),
  /** The policy every device of the account must acknowledge before it receives mail; null for none. */
  policy: devicePolicyV1.nullable().optional(),
  updatedAt: isoTimestamp,
});
export type DeviceCredentialsV1 = z.infer<typeof deviceCredentialsV1>;

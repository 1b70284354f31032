import { z } from 'zod';
import { accountId, isoTimestamp } from './common.js';
import { deviceAccessLevels } from './device-credentials.js';
import { deviceWipeKinds } from './device-policy.js';

export const deviceEventTypes = [
  'registered',
  'accessChanged',
  'policyChanged',
  'policyAcknowledged',
  'wipeRequested',
  'wipeConfirmed',
  'wipeCancelled',
  'removed',
] as const;
export type DeviceEventType = (typeof deviceEventTypes)[number];

/**
 * Something happened to an account's device partnership. Events describe; the compacted
 * credentials snapshot stays the state to act on. `deviceId` is null for a change to every device
 * of the account (a new or edited policy).
 */
export const deviceEventV1 = z.object({
  eventId: z.uuid(),
  accountId,
  deviceId: z.string().min(1).max(128).nullable(),
  type: z.enum(deviceEventTypes),
  occurredAt: isoTimestamp,
  /** Who caused it: `administrator`, `device`, or `access rules` for a re-evaluation. */
  actor: z.string().min(1).max(200),
  /** For `registered` and `accessChanged`: the level now in force and the rule that decided it. */
  access: z
    .object({
      level: z.enum(deviceAccessLevels),
      previous: z.enum(deviceAccessLevels).nullable(),
      rule: z.string().min(1).max(300),
    })
    .optional(),
  /** For `policyChanged` and `policyAcknowledged`; null when the account no longer has a policy. */
  policy: z.object({ policyId: z.uuid(), version: z.int().positive() }).nullable().optional(),
  /** For the wipe events. */
  wipe: z
    .object({
      wipeId: z.uuid(),
      kind: z.enum(deviceWipeKinds),
      requestedBy: z.string().min(1).max(200),
      requestedAt: isoTimestamp,
      confirmedAt: isoTimestamp.optional(),
    })
    .optional(),
});
export type DeviceEventV1 = z.infer<typeof deviceEventV1>;

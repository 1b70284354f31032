import { z } from 'zod';
import { isoTimestamp } from './common.js';

/**
 * What a device must enforce locally while it holds an account's mail. `null` means "no limit".
 * Devices acknowledge a policy by its `version`, which grows with every change to the policy.
 */
export const devicePolicySettingsV1 = z.object({
  pinRequired: z.boolean(),
  /** 0 when any PIN (or none, if not required) will do. */
  minPinLength: z.int().min(0).max(64),
  lockAfterIdleSeconds: z.int().min(1).max(86_400).nullable(),
  wipeAfterFailedUnlocks: z.int().min(1).max(100).nullable(),
  /** How many days of mail the device keeps. */
  syncWindowDays: z.int().min(1).max(3650).nullable(),
  maxAttachmentBytes: z.int().min(0).max(1_000_000_000).nullable(),
});
export type DevicePolicySettingsV1 = z.infer<typeof devicePolicySettingsV1>;

export const devicePolicyV1 = z.object({
  policyId: z.uuid(),
  name: z.string().min(1).max(100),
  version: z.int().positive(),
  settings: devicePolicySettingsV1,
});
export type DevicePolicyV1 = z.infer<typeof devicePolicyV1>;

/** Which policy version a device has acknowledged. */
export const policyAcknowledgementV1 = z.object({
  policyId: z.uuid(),
  version: z.int().positive(),
});
export type PolicyAcknowledgementV1 = z.infer<typeof policyAcknowledgementV1>;

export const deviceWipeKinds = ['full', 'account'] as const;
export type DeviceWipeKind = (typeof deviceWipeKinds)[number];

/** A remote wipe an administrator asked for: `full` erases the device, `account` only this account's data. */
export const deviceWipeCommandV1 = z.object({
  wipeId: z.uuid(),
  kind: z.enum(deviceWipeKinds),
  requestedBy: z.string().min(1).max(200),
  requestedAt: isoTimestamp,
});
export type DeviceWipeCommandV1 = z.infer<typeof deviceWipeCommandV1>;

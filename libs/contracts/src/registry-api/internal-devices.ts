import { z } from 'zod';
import { deviceIdSchema, emailAddress } from '../events/common.js';
import { deviceAccessLevels } from '../events/device-credentials.js';

/**
 * device-registry's internal HTTP API (`/internal/v1`), as the device-edge services (push-delivery,
 * the ActiveSync gateway) call it: device-registry validates each request with these schemas, and
 * the edge's client sends and reads the same shapes. Requests are typed twice on purpose: the input
 * (what a caller may send) and the output (what the registry works with once validated).
 */

/** Addresses are compared case-insensitively everywhere, so they are stored lower-cased. */
export const accountAddress = z.string().trim().toLowerCase().pipe(emailAddress);

/** Optional free text: trimmed, bounded, and null when absent or empty. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((value) => (value ? value : null));

/** What a device tells the registry when it registers (and signs in) with its account's password. */
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

/** POST authenticate: what a device signs in with, plus its own address as the edge saw it. */
export const passwordSignInSchema = registerDeviceSchema.extend({
  clientAddress: optionalText(64),
});
export type PasswordSignInRequest = z.input<typeof passwordSignInSchema>;
export type PasswordSignIn = z.output<typeof passwordSignInSchema>;

/** The answer to a successful sign-in: the partnership as decided, and the access it has. */
export const signedInPrincipalSchema = z.object({
  accountId: z.uuid(),
  address: z.string(),
  deviceId: deviceIdSchema,
  created: z.boolean(),
  access: z.enum(deviceAccessLevels),
  accessRule: z.string(),
  /** The account revision whose credentials snapshot includes this partnership as decided here. */
  revision: z.int(),
});
export type SignedInPrincipal = z.output<typeof signedInPrincipalSchema>;

const deviceRef = { accountId: z.uuid(), deviceId: deviceIdSchema };

/** POST devices/policy-acknowledgements: a device accepts a version of its account's policy. */
export const acknowledgePolicySchema = z.object({
  ...deviceRef,
  version: z.int().positive(),
  policyId: z.uuid().optional(),
});
export type PolicyAcknowledgement = z.output<typeof acknowledgePolicySchema>;

export const policyAcknowledgedSchema = z.object({
  policyId: z.string(),
  version: z.int(),
  /** The account revision whose snapshot carries the acknowledgement. */
  revision: z.int(),
});
export type PolicyAcknowledged = z.output<typeof policyAcknowledgedSchema>;

/** POST devices/wipe-confirmations: a device confirms the remote wipe it was sent. */
export const confirmWipeSchema = z.object({ ...deviceRef, wipeId: z.uuid() });
export type WipeConfirmation = z.output<typeof confirmWipeSchema>;

export const wipeConfirmedSchema = z.object({
  wipeId: z.string(),
  confirmedAt: z.string().nullable(),
  revision: z.int(),
});
export type WipeConfirmed = z.output<typeof wipeConfirmedSchema>;

/** POST devices/token-rotations: the device presenting a token (by its digest) gets a new one. */
export const internalRotateTokenSchema = z.object({
  ...deviceRef,
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type InternalTokenRotation = z.output<typeof internalRotateTokenSchema>;

/** One device seen by an edge service since its last report. */
export const activityReportSchema = z.object({
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
});
export type ActivityReport = z.input<typeof activityReportSchema>;

/** POST devices/activity: a batch of sightings. */
export const activitySchema = z.object({ sightings: z.array(activityReportSchema).max(10_000) });
export type ActivityBatch = z.output<typeof activitySchema>;

export const activityRecordedSchema = z.object({ updated: z.int() });
export type ActivityRecorded = z.output<typeof activityRecordedSchema>;

/** POST devices/token-checks: is this token (by its digest) live, and whose is it? */
export const tokenCheckSchema = z.object({ tokenSha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type TokenCheck = z.output<typeof tokenCheckSchema>;

/**
 * The answer for a live token of a device that is not wiped, of an active account: whose it is, and
 * the account revision whose credentials snapshot lists it. Anything else is refused with 401
 * `invalid_token`.
 */
export const checkedTokenSchema = z.object({
  accountId: z.uuid(),
  deviceId: deviceIdSchema,
  revision: z.int(),
});
export type CheckedToken = z.output<typeof checkedTokenSchema>;

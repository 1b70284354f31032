import { deviceAccessLevels, deviceWipeKinds, isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const deviceSchema = z
  .object({
    accountId: z.uuid(),
    address: z.string(),
    deviceId: z.string(),
    deviceType: z.string(),
    model: z.string(),
    os: z.string().nullable(),
    userAgent: z.string().nullable(),
    access: z.enum(deviceAccessLevels),
    accessReason: z.string().nullable().describe('The rule that decided `access`.'),
    accessSource: z.enum(['exemption', 'rule', 'default']),
    accessRuleId: z.uuid().nullable(),
    accessDecidedAt: isoTimestamp,
    exemption: z.enum(['allowed', 'blocked']).nullable(),
    authMethod: z.enum(['token', 'password']),
    status: z.enum(['active', 'wiped']),
    wipedAt: isoTimestamp.nullable(),
    firstSyncAt: isoTimestamp.nullable(),
    lastSyncAt: isoTimestamp.nullable(),
    lastSeenAddress: z.string().nullable(),
    protocol: z.enum(['jmap', 'activesync']).describe('How the device syncs: JMAP or Exchange ActiveSync.'),
    protocolVersion: z.string().nullable().describe('The ActiveSync protocol version it last used.'),
    lastCommand: z.string().nullable().describe('The last ActiveSync command it sent.'),
    lastCommandAt: isoTimestamp.nullable(),
    heartbeatSeconds: z.int().nullable().describe('The Ping heartbeat it asked for, in seconds.'),
    policy: z.object({ policyId: z.uuid(), name: z.string(), version: z.int() }).nullable(),
    acknowledgedPolicy: z
      .object({ policyId: z.uuid(), version: z.int(), acknowledgedAt: isoTimestamp.nullable() })
      .nullable(),
    policyAcknowledged: z.boolean(),
    pendingWipe: z
      .object({
        wipeId: z.uuid(),
        kind: z.enum(deviceWipeKinds),
        requestedBy: z.string(),
        requestedAt: isoTimestamp,
      })
      .nullable(),
    liveTokens: z.int(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Device', description: 'A partnership: one device of one account.' });
export type DeviceResponse = z.output<typeof deviceSchema>;

export const devicePageSchema = z
  .object({ devices: z.array(deviceSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'DevicePage' });
export type DevicePage = z.output<typeof devicePageSchema>;

export const accountDevicesSchema = z.object({ accountId: z.uuid(), devices: z.array(deviceSchema) });

export const registrationSchema = z
  .object({
    accountId: z.uuid(),
    deviceId: z.string(),
    token: z.string().describe('The device token: shown once, stored only as a digest.'),
    sessionUrl: z.string().nullable(),
    access: z.enum(deviceAccessLevels),
    accessRule: z.string(),
  })
  .meta({ id: 'Registration' });
export type RegistrationResponse = z.output<typeof registrationSchema>;

export const rotatedTokenSchema = z.object({ accountId: z.uuid(), deviceId: z.string(), token: z.string() });
export type RotatedTokenResponse = z.output<typeof rotatedTokenSchema>;

import type { DeviceAccessLevel, DeviceWipeKind } from '@pushmail/contracts';
import { z } from 'zod';

/**
 * The parts of device-registry's admin API that operations reads, as that API answers them.
 * Path parameters are checked here as device-registry checks them, so a bad one is refused before
 * the registry is asked.
 */
export const accountIdParamSchema = z.uuid().describe('The account id.');
export const deviceIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -')
  .describe('The device id the device registered with (or the one derived for a standard client).');

/** `GET /admin/accounts/{accountId}`, the fields operations uses. */
export interface AccountSummary {
  accountId: string;
  address: string;
  deviceCount: number;
  /** Failed sign-ins in the current window. */
  failedSignIns: number;
  /** Set while sign-ins are refused after too many failures. */
  lockedUntil: string | null;
}

/** A device as `GET /admin/accounts/{accountId}/devices/{deviceId}` answers it. */
export interface DeviceSummary {
  accountId: string;
  address: string;
  deviceId: string;
  deviceType: string;
  model: string;
  os: string | null;
  userAgent: string | null;
  access: DeviceAccessLevel;
  /** The rule that decided `access`. */
  accessReason: string | null;
  accessSource: 'exemption' | 'rule' | 'default';
  accessRuleId: string | null;
  accessDecidedAt: string;
  exemption: 'allowed' | 'blocked' | null;
  authMethod: 'token' | 'password';
  status: 'active' | 'wiped';
  wipedAt: string | null;
  firstSyncAt: string | null;
  lastSyncAt: string | null;
  lastSeenAddress: string | null;
  policy: { policyId: string; name: string; version: number } | null;
  acknowledgedPolicy: { policyId: string; version: number; acknowledgedAt: string | null } | null;
  policyAcknowledged: boolean;
  pendingWipe: { wipeId: string; kind: DeviceWipeKind; requestedBy: string; requestedAt: string } | null;
  liveTokens: number;
  createdAt: string;
  updatedAt: string;
}

export interface DevicePage {
  devices: DeviceSummary[];
  nextCursor: string | null;
}

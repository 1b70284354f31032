import { randomUUID } from 'node:crypto';
import type {
  DeviceCredentialsV1,
  DevicePolicySettingsV1,
  DevicePolicyV1,
  DeviceWipeCommandV1,
} from '@pushmail/contracts';

type SnapshotDevice = DeviceCredentialsV1['devices'][number];

/**
 * An active account's device credentials snapshot at revision 1, written now, listing `devices`
 * (each allowed and holding no token unless it says otherwise), but for `overrides`.
 */
export function credentialsSnapshot(
  accountId: string,
  devices: Array<Pick<SnapshotDevice, 'deviceId'> & Partial<SnapshotDevice>>,
  overrides: Partial<DeviceCredentialsV1> = {},
): DeviceCredentialsV1 {
  return {
    accountId,
    revision: 1,
    accountStatus: 'active',
    devices: devices.map((device) => ({ tokenSha256: [], access: 'allowed', ...device })),
    updatedAt: new Date().toISOString(),
    ...overrides,
  };
}

/**
 * Device policy settings for a test: a six-digit PIN, locked after five idle minutes, wiped after
 * ten failed unlocks, two weeks of mail and no attachment limit, but for what `overrides` says.
 */
export function policySettings(overrides: Partial<DevicePolicySettingsV1> = {}): DevicePolicySettingsV1 {
  return {
    pinRequired: true,
    minPinLength: 6,
    lockAfterIdleSeconds: 300,
    wipeAfterFailedUnlocks: 10,
    syncWindowDays: 14,
    maxAttachmentBytes: null,
    ...overrides,
  };
}

/** A policy named `standard` with a fresh id, version 1 and the settings above, but for `overrides`. */
export function devicePolicy(overrides: Partial<DevicePolicyV1> = {}): DevicePolicyV1 {
  return { policyId: randomUUID(), name: 'standard', version: 1, settings: policySettings(), ...overrides };
}

/** A wipe a helpdesk asked for just now, with a fresh id, but for `overrides`. */
export function pendingWipe(overrides: Partial<DeviceWipeCommandV1> = {}): DeviceWipeCommandV1 {
  return {
    wipeId: randomUUID(),
    kind: 'full',
    requestedBy: 'helpdesk',
    requestedAt: new Date().toISOString(),
    ...overrides,
  };
}

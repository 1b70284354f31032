import type { DevicePolicySettingsV1 } from '@pushmail/contracts';

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

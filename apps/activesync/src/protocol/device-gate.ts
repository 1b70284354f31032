import { COMMON_STATUS } from '@pushmail/activesync';
import type { DeviceStanding } from '../registry/device-views.js';

/** What the gateway knows of the policy key the device was given. */
export interface ProvisionedKey {
  policyKey: number | null;
  policyId: string | null;
  policyVersion: number | null;
}

export type GateVerdict = { ok: true } | { ok: false; status: number; reason: string };

/** Commands a device may send before it is provisioned: Provision itself, and Settings (device information). */
const BEFORE_PROVISIONING = new Set(['Provision', 'Settings']);

/**
 * Whether the device may run `command` now, and if not the Status that tells it what to do:
 * a pending wipe first (140, so it provisions and receives the wipe), then a block (129), then a
 * policy it has not acknowledged (142 no key, 143 a newer policy, 144 a key it was never given).
 * A device that acknowledged the policy in force is never challenged again for that version.
 */
export function gateOf(
  command: string,
  standing: DeviceStanding,
  device: ProvisionedKey,
  headerKey: string | undefined,
  protocolVersion: string,
): GateVerdict {
  if (!standing.accountActive)
    return { ok: false, status: COMMON_STATUS.AccessDenied, reason: 'account disabled' };
  if (!standing.known || standing.wiped) {
    return {
      ok: false,
      status: COMMON_STATUS.DeviceIsBlockedForThisUser,
      reason: 'device is not a partner of the account',
    };
  }
  if (standing.pendingWipe) {
    // Account-only wipe exists from 16.1 on; an older client would have to wipe the whole phone,
    // which the administrator did not ask for: it is blocked instead, until the partnership is removed.
    if (standing.pendingWipe.kind === 'account' && protocolVersion !== '16.1') {
      return {
        ok: false,
        status: COMMON_STATUS.DeviceIsBlockedForThisUser,
        reason: 'account-only wipe pending; this protocol version cannot carry it',
      };
    }
    if (command === 'Provision') return { ok: true };
    return { ok: false, status: COMMON_STATUS.RemoteWipeRequested, reason: 'remote wipe pending' };
  }
  if (standing.access === 'blocked') {
    return {
      ok: false,
      status: COMMON_STATUS.DeviceIsBlockedForThisUser,
      reason: standing.accessRule ?? 'device blocked',
    };
  }
  if (BEFORE_PROVISIONING.has(command)) return { ok: true };
  const policy = standing.policy;
  if (!policy) return { ok: true };
  const sent = headerKey === undefined || headerKey === '' || headerKey === '0' ? null : headerKey;
  if (sent === null)
    return { ok: false, status: COMMON_STATUS.DeviceNotProvisioned, reason: 'no policy key' };
  if (device.policyKey === null || String(device.policyKey) !== sent) {
    return { ok: false, status: COMMON_STATUS.InvalidPolicyKey, reason: 'unknown policy key' };
  }
  if (device.policyId !== policy.policyId || device.policyVersion !== policy.version) {
    return {
      ok: false,
      status: COMMON_STATUS.PolicyRefresh,
      reason: `policy ${policy.version} not yet acknowledged`,
    };
  }
  return { ok: true };
}

/** The HTTP status that stands for a gate Status under 14.0, which carries no Status for these. */
export function httpStatusOf(status: number): number {
  switch (status) {
    case COMMON_STATUS.DeviceNotProvisioned:
    case COMMON_STATUS.PolicyRefresh:
    case COMMON_STATUS.InvalidPolicyKey:
    case COMMON_STATUS.RemoteWipeRequested:
      return 449;
    case COMMON_STATUS.MaximumDevicesReached:
    case COMMON_STATUS.DeviceIsBlockedForThisUser:
    case COMMON_STATUS.AccessDenied:
    default:
      return 403;
  }
}

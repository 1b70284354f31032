import type { DeviceWipeCommandV1 } from '@pushmail/contracts';
import type { DeviceState } from '@pushmail/edge';

/**
 * Messages pushed on a device's JMAP WebSocket besides StateChange, in the same envelope style
 * (RFC 8887 §4.3: an `@type` per message). Clients that do not know them ignore them.
 */

export function deviceStatusMessage(state: DeviceState): string {
  const quarantined = state.access === 'quarantined';
  return JSON.stringify({
    '@type': 'DeviceStatus',
    status: quarantined ? 'quarantined' : 'allowed',
    ...(state.accessRule ? { rule: state.accessRule } : {}),
    message: quarantined
      ? 'this device is quarantined: it receives no mail until an administrator allows it'
      : 'this device is allowed to sync',
  });
}

/** The device's policy, the version of it the device acknowledged and whether it must. */
export function policyStanding(state: DeviceState): {
  policy: DeviceState['policy'];
  acknowledgedVersion: number | null;
  acknowledgementRequired: boolean;
} {
  return {
    policy: state.policy,
    acknowledgedVersion:
      state.policy && state.acknowledged?.policyId === state.policy.policyId
        ? state.acknowledged.version
        : null,
    acknowledgementRequired: state.acknowledgementRequired,
  };
}

export function devicePolicyMessage(state: DeviceState): string {
  return JSON.stringify({ '@type': 'DevicePolicy', ...policyStanding(state) });
}

export function deviceWipeMessage(wipe: DeviceWipeCommandV1): string {
  return JSON.stringify({
    '@type': 'DeviceWipe',
    wipeId: wipe.wipeId,
    kind: wipe.kind,
    requestedAt: wipe.requestedAt,
    requestedBy: wipe.requestedBy,
    message:
      wipe.kind === 'full'
        ? 'erase this device, then confirm with DeviceWipe/confirm'
        : "erase this account's data from this device, then confirm with DeviceWipe/confirm",
  });
}

/** What the device has been told so far on one socket. */
export interface NoticeMemory {
  status?: 'allowed' | 'quarantined';
  /** `policyId:version`, or `none`. */
  policy?: string;
  wipeId?: string;
}

/** One message for the device's socket, and what it tells. */
export interface DeviceNotice {
  kind: 'wipe' | 'status' | 'policy';
  message: string;
}

/**
 * The messages a socket should receive for the device's state now, given what it was told: on
 * connect the wipe command comes first, then quarantine, then the policy; later only changes.
 */
export function noticesFor(memory: NoticeMemory, state: DeviceState): DeviceNotice[] {
  const messages: DeviceNotice[] = [];
  if (state.pendingWipe && memory.wipeId !== state.pendingWipe.wipeId) {
    messages.push({ kind: 'wipe', message: deviceWipeMessage(state.pendingWipe) });
    memory.wipeId = state.pendingWipe.wipeId;
  }
  if (state.access === 'allowed' || state.access === 'quarantined') {
    const firstContact = memory.status === undefined;
    if (memory.status !== state.access && (!firstContact || state.access === 'quarantined')) {
      messages.push({ kind: 'status', message: deviceStatusMessage(state) });
    }
    memory.status = state.access;
  }
  const policyKey = state.policy ? `${state.policy.policyId}:${state.policy.version}` : 'none';
  if (memory.policy !== policyKey && !(memory.policy === undefined && policyKey === 'none')) {
    messages.push({ kind: 'policy', message: devicePolicyMessage(state) });
  }
  memory.policy = policyKey;
  return messages;
}

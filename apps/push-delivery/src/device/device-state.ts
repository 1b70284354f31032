import type { DeviceState } from '@pushmail/edge';

/** The method error a mail call gets instead of running: the arguments of an `error` response. */
export type MailRefusal = {
  type: 'forbidden' | 'policyAcknowledgementRequired';
  description: string;
} & Record<string, unknown>;

/**
 * Why this device may not touch mail right now, most urgent first: a pending wipe, then
 * quarantine, then a policy it has not acknowledged. Undefined when mail calls may run.
 */
export function mailRefusalOf(state: DeviceState): MailRefusal | undefined {
  if (state.pendingWipe) {
    return {
      type: 'forbidden',
      description: `a remote wipe is pending: wipe ${state.pendingWipe.kind === 'full' ? 'the device' : "this account's data"} and confirm with DeviceWipe/confirm`,
      deviceStatus: 'wipePending',
      wipeId: state.pendingWipe.wipeId,
    };
  }
  if (!state.known || state.wiped || state.access === 'blocked') {
    return {
      type: 'forbidden',
      description: 'this device may not sync this account',
      deviceStatus: 'blocked',
    };
  }
  if (state.access === 'quarantined') {
    return {
      type: 'forbidden',
      description: `this device is quarantined until an administrator allows it${state.accessRule ? ` (${state.accessRule})` : ''}`,
      deviceStatus: 'quarantined',
    };
  }
  if (state.acknowledgementRequired && state.policy) {
    return {
      type: 'policyAcknowledgementRequired',
      description: `policy acknowledgement required: fetch the policy with DevicePolicy/get and acknowledge version ${state.policy.version} with DevicePolicy/acknowledge`,
      policyId: state.policy.policyId,
      version: state.policy.version,
    };
  }
  return undefined;
}

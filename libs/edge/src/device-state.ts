import type {
  DeviceAccessLevel,
  DeviceCredentialsV1,
  DevicePolicyV1,
  DeviceWipeCommandV1,
  PolicyAcknowledgementV1,
} from '@pushmail/contracts';

/**
 * Everything a device edge (push-delivery, the ActiveSync gateway) needs to know about one device,
 * read from its account's credentials snapshot.
 */
export interface DeviceState {
  /** False when the snapshot does not (or no longer) list the device. */
  known: boolean;
  access: DeviceAccessLevel;
  accessRule: string | null;
  wiped: boolean;
  policy: DevicePolicyV1 | null;
  acknowledged: PolicyAcknowledgementV1 | null;
  /** A policy is in force and the device has not acknowledged its current version. */
  acknowledgementRequired: boolean;
  pendingWipe: DeviceWipeCommandV1 | null;
}

export function deviceStateOf(snapshot: DeviceCredentialsV1 | undefined, deviceId: string): DeviceState {
  const entry = snapshot?.devices.find((device) => device.deviceId === deviceId);
  const policy = snapshot?.policy ?? null;
  const acknowledged = entry?.acknowledgedPolicy ?? null;
  return {
    known: entry !== undefined,
    access: entry?.access ?? 'blocked',
    accessRule: entry?.accessRule ?? null,
    wiped: entry?.status === 'wiped',
    policy,
    acknowledged,
    acknowledgementRequired:
      policy !== null &&
      (acknowledged?.policyId !== policy.policyId || acknowledged.version !== policy.version),
    pendingWipe: entry?.pendingWipe ?? null,
  };
}

import type { DeviceCredentialsV1 } from '@pushmail/contracts';

/**
 * Why a device may no longer stay connected after its account's latest snapshot, worded for the
 * person holding the device; undefined while it may stay. A device that signed in with a token
 * must still hold that token; one that signed in with the password has none to lose.
 */
export function revocationReason(
  snapshot: DeviceCredentialsV1 | undefined,
  device: { deviceId: string; tokenSha256?: string },
): string | undefined {
  if (!snapshot || snapshot.accountStatus === 'deleted') return 'account deleted';
  if (snapshot.accountStatus !== 'active') return 'account disabled by administrator';
  const current = snapshot.devices.find((candidate) => candidate.deviceId === device.deviceId);
  if (!current) return 'device removed from the account';
  if (current.status === 'wiped') return 'device wiped; its partnership with the account has ended';
  if (current.access === 'blocked') {
    return current.accessRule
      ? `device blocked by administrator (${current.accessRule})`
      : 'device blocked by administrator';
  }
  // A quarantined device stays connected: it is told so and receives no mail until allowed.
  if (device.tokenSha256 !== undefined && !current.tokenSha256.includes(device.tokenSha256)) {
    return 'device token revoked; sign in again';
  }
  return undefined;
}

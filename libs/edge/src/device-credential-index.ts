import type { DeviceAccessLevel, DeviceCredentialsV1 } from '@pushmail/contracts';

/** What one token digest stands for. */
export interface DeviceCredential {
  accountId: string;
  deviceId: string;
  access: DeviceAccessLevel;
  /** The rule that decided `access`, when the snapshot names it. */
  accessRule?: string;
  tokenSha256: string;
}

/**
 * Token digest -> device, for active accounts only, as a device edge (push-delivery, the ActiveSync
 * gateway) holds it from the credentials snapshots. Each account's entries are rebuilt from its
 * latest snapshot, so a digest that disappeared from it (a rotated or revoked token, a removed
 * device, a disabled account) stops authenticating at once.
 */
export class DeviceCredentialIndex {
  private readonly byDigest = new Map<string, DeviceCredential>();
  private readonly digestsByAccount = new Map<string, Set<string>>();

  get size(): number {
    return this.byDigest.size;
  }

  lookup(tokenSha256: string): DeviceCredential | undefined {
    return this.byDigest.get(tokenSha256);
  }

  replaceAccount(accountId: string, snapshot: DeviceCredentialsV1 | undefined): void {
    for (const digest of this.digestsByAccount.get(accountId) ?? []) {
      // Guards against a digest some other account now claims: only the owner's entry goes.
      if (this.byDigest.get(digest)?.accountId === accountId) this.byDigest.delete(digest);
    }
    this.digestsByAccount.delete(accountId);
    if (!snapshot || snapshot.accountStatus !== 'active') return;

    const digests = new Set<string>();
    for (const device of snapshot.devices) {
      // A wiped device has no tokens; should a stale one linger, it still opens nothing.
      if (device.status === 'wiped') continue;
      for (const tokenSha256 of device.tokenSha256) {
        this.byDigest.set(tokenSha256, {
          accountId,
          deviceId: device.deviceId,
          access: device.access,
          ...(device.accessRule !== undefined ? { accessRule: device.accessRule } : {}),
          tokenSha256,
        });
        digests.add(tokenSha256);
      }
    }
    this.digestsByAccount.set(accountId, digests);
  }
}

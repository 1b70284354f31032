import type { AccountSnapshotV1, DeviceCredentialsV1 } from '@pushmail/contracts';
import type { AccountStatus } from '../accounts/entities/account.entity.js';

/** The contract allows a few live tokens per device, for rotations that overlap. */
export const MAX_TOKENS_PER_DEVICE = 4;

/** A device as the credentials snapshot lists it; its tokens are attached from `liveTokens`. */
type SnapshotDevice = DeviceCredentialsV1['devices'][number];

export interface AccountState {
  account: { id: string; address: string; status: AccountStatus; revision: number; updatedAt: Date };
  /** As stored: the rule that decided may be longer than the snapshot's 300 characters, or null. */
  devices: (Omit<SnapshotDevice, 'tokenSha256' | 'accessRule'> & { accessRule?: string | null })[];
  /** The account's effective policy; absent or null when it has none. */
  policy?: DeviceCredentialsV1['policy'];
  /** Unrevoked tokens only. */
  liveTokens: { deviceId: string; tokenSha256: string; createdAt: Date }[];
}

export interface AccountSnapshots {
  account: AccountSnapshotV1;
  credentials: DeviceCredentialsV1;
}

/** Both snapshots of one account at one revision, cut from the same read. */
export function buildAccountSnapshots(state: AccountState): AccountSnapshots {
  const { account } = state;
  const updatedAt = account.updatedAt.toISOString();
  const tokensByDevice = new Map<string, { tokenSha256: string; createdAt: Date }[]>();
  for (const token of state.liveTokens) {
    const list = tokensByDevice.get(token.deviceId) ?? [];
    list.push(token);
    tokensByDevice.set(token.deviceId, list);
  }
  const devices = [...state.devices]
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
    .map((device) => ({
      deviceId: device.deviceId,
      tokenSha256: (tokensByDevice.get(device.deviceId) ?? [])
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, MAX_TOKENS_PER_DEVICE)
        .map((token) => token.tokenSha256),
      access: device.access,
      ...(device.accessRule ? { accessRule: device.accessRule.slice(0, 300) } : {}),
      ...(device.status !== undefined ? { status: device.status } : {}),
      ...(device.acknowledgedPolicy !== undefined ? { acknowledgedPolicy: device.acknowledgedPolicy } : {}),
      ...(device.pendingWipe !== undefined ? { pendingWipe: device.pendingWipe } : {}),
    }));
  return {
    account: {
      accountId: account.id,
      revision: account.revision,
      address: account.address,
      status: account.status,
      updatedAt,
    },
    credentials: {
      accountId: account.id,
      revision: account.revision,
      accountStatus: account.status,
      devices,
      ...(state.policy !== undefined ? { policy: state.policy } : {}),
      updatedAt,
    },
  };
}

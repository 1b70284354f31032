import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DeviceToken } from './entities/device-token.entity.js';

export interface DeviceKey {
  accountId: string;
  deviceId: string;
}

/** Revokes every live token of a device, in the caller's transaction. */
export async function revokeDeviceTokens(manager: EntityManager, key: DeviceKey): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(DeviceToken)
    .set({ revokedAt: () => 'clock_timestamp()' })
    .where('account_id = :accountId AND device_id = :deviceId AND revoked_at IS NULL', key)
    .execute();
}

/** Revokes the device's live tokens and stores the digest of its new one, in the caller's transaction. */
export async function replaceDeviceToken(
  manager: EntityManager,
  key: DeviceKey,
  tokenSha256: string,
): Promise<void> {
  await revokeDeviceTokens(manager, key);
  await manager.insert(DeviceToken, { id: randomUUID(), ...key, tokenSha256 });
}

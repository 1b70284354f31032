import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { bumpAccountRevision, lockAccount, revisionOf } from '../../accounts/account-revision.js';
import { issueDeviceToken } from '../../credentials/device-token.js';
import { AccountChanges } from '../../publishing/account-changes.service.js';
import { replaceDeviceToken } from '../../devices/device-tokens.js';
import type { RotatedTokenResponse } from '../../devices/dto/device.response.js';
import { refuseTokenIfBarred } from '../../devices/token-refusal.js';
import { DeviceToken } from '../../devices/entities/device-token.entity.js';
import { Device } from '../../devices/entities/device.entity.js';

/** The device's answer, and the account revision whose snapshot no longer holds the old token. */
export type RotatedToken = RotatedTokenResponse & { revision: number };

/**
 * Replaces a device's token with a new one. There is no overlap: the old token is revoked in the
 * same transaction, and the snapshot published before the answer no longer carries it.
 *
 * A device that may not sync gets no new token, as a registration gets none: a blocked device
 * (403 `device_blocked`), a wiped one, and one with a wipe waiting for it. The refusal changes
 * nothing, so the token it already holds is still the one that works once an administrator
 * allows it again. A quarantined device rotates, as it registers: it is admitted, without mail.
 */
@Injectable()
export class RotateDeviceToken {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  /** `expected` pins the device when the caller already knows it (push-delivery authenticated it). */
  async execute(
    tokenSha256: string,
    expected?: { accountId: string; deviceId: string },
  ): Promise<RotatedToken> {
    const found = await this.dataSource.getRepository(DeviceToken).findOne({
      where: { tokenSha256, revokedAt: IsNull() },
      select: { id: true, accountId: true, deviceId: true },
    });
    if (
      !found ||
      (expected && (expected.accountId !== found.accountId || expected.deviceId !== found.deviceId))
    ) {
      throw invalidToken();
    }
    const { accountId, deviceId } = found;
    const issued = issueDeviceToken();
    const revision = await this.changes.commit(accountId, async (manager) => {
      await lockAccount(manager, accountId);
      // Another rotation may have won the race for the account lock.
      if (!(await manager.existsBy(DeviceToken, { id: found.id, revokedAt: IsNull() }))) throw invalidToken();
      const device = await manager.findOneBy(Device, { accountId, deviceId });
      if (!device) throw invalidToken();
      await refuseTokenIfBarred(manager, device);
      await replaceDeviceToken(manager, { accountId, deviceId }, issued.sha256);
      await bumpAccountRevision(manager, accountId);
      return revisionOf(manager, accountId);
    });
    return { accountId, deviceId, token: issued.token, revision };
  }
}

function invalidToken(): UnauthorizedException {
  return new UnauthorizedException({ error: 'invalid_token', message: 'unknown or revoked device token' });
}

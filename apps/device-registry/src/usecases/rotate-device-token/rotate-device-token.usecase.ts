import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { bumpAccountRevision, lockAccount, revisionOf } from '../../accounts/account-revision.js';
import { issueDeviceToken } from '../../credentials/device-token.js';
import { AccountPublisher } from '../../publishing/account-publisher.service.js';
import { replaceDeviceToken } from '../../devices/device-tokens.js';
import {
  DeviceBlockedException,
  DeviceWipedException,
  DeviceWipePendingException,
} from '../../devices/devices.errors.js';
import { DeviceToken } from '../../devices/entities/device-token.entity.js';
import { Device } from '../../devices/entities/device.entity.js';
import { DeviceWipe } from '../../wipes/entities/device-wipe.entity.js';

export interface RotatedToken {
  accountId: string;
  deviceId: string;
  token: string;
  /** The account revision whose snapshot no longer holds the old token. */
  revision: number;
}

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
    @Inject(AccountPublisher) private readonly publisher: AccountPublisher,
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
    const revision = await this.dataSource.transaction(async (manager) => {
      await lockAccount(manager, accountId);
      // Another rotation may have won the race for the account lock.
      if (!(await manager.existsBy(DeviceToken, { id: found.id, revokedAt: IsNull() }))) throw invalidToken();
      const device = await manager.findOneBy(Device, { accountId, deviceId });
      if (!device) throw invalidToken();
      if (device.status === 'wiped') throw new DeviceWipedException();
      if (device.access === 'blocked') {
        throw new DeviceBlockedException({
          rule: device.accessReason ?? 'blocked',
          source: device.accessSource,
          ruleId: device.accessRuleId,
        });
      }
      if (await manager.existsBy(DeviceWipe, { accountId, deviceId, status: 'pending' })) {
        throw new DeviceWipePendingException();
      }
      await replaceDeviceToken(manager, { accountId, deviceId }, issued.sha256);
      await bumpAccountRevision(manager, accountId);
      return revisionOf(manager, accountId);
    });
    await this.publisher.publishAfterCommit(accountId);
    return { accountId, deviceId, token: issued.token, revision };
  }
}

function invalidToken(): UnauthorizedException {
  return new UnauthorizedException({ error: 'invalid_token', message: 'unknown or revoked device token' });
}

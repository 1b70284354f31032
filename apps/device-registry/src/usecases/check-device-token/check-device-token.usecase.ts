import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CheckedToken } from '@pushmail/contracts';
import { DataSource } from 'typeorm';
import { Account } from '../../accounts/entities/account.entity.js';
import { DeviceToken } from '../../devices/entities/device-token.entity.js';
import { Device } from '../../devices/entities/device.entity.js';
import { MAX_TOKENS_PER_DEVICE } from '../../publishing/account-snapshots.js';

/**
 * Whether a token (by its digest) opens its device now, asked by a device edge whose credentials
 * index has not caught up with it yet: a device that registered and connected at once. The rule is
 * the index's own (a live token among the device's newest, a device not wiped, an active account),
 * and the answer carries the account revision whose snapshot lists the token, so the edge can wait
 * for its index to hold that snapshot and decide from it. One statement: the token, the device and
 * the revision are read from one snapshot of the database, so a revocation (which revokes and bumps
 * the revision in one transaction) is either seen, or carried by a later revision.
 */
@Injectable()
export class CheckDeviceToken {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(tokenSha256: string): Promise<CheckedToken> {
    const row = await this.dataSource
      .createQueryBuilder()
      .select('token.account_id', 'accountId')
      .addSelect('token.device_id', 'deviceId')
      .addSelect('account.revision', 'revision')
      .from(DeviceToken, 'token')
      .innerJoin(
        Device,
        'device',
        'device.account_id = token.account_id AND device.device_id = token.device_id',
      )
      .innerJoin(Account, 'account', 'account.id = token.account_id')
      .where('token.token_sha256 = :tokenSha256 AND token.revoked_at IS NULL', { tokenSha256 })
      .andWhere("device.status <> 'wiped' AND account.status = 'active'")
      // The snapshot lists a device's newest live tokens only; an older one opens nothing there either.
      .andWhere(
        `(SELECT count(*) FROM registry.device_tokens newer
           WHERE newer.account_id = token.account_id AND newer.device_id = token.device_id
             AND newer.revoked_at IS NULL AND newer.created_at > token.created_at) < :max`,
        { max: MAX_TOKENS_PER_DEVICE },
      )
      .getRawOne<{ accountId: string; deviceId: string; revision: string | number }>();
    if (!row) {
      throw new UnauthorizedException({ error: 'invalid_token', message: 'unknown or revoked device token' });
    }
    return { accountId: row.accountId, deviceId: row.deviceId, revision: Number(row.revision) };
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { bumpAccountRevision, lockAccount } from '../../../accounts/account-revision.js';
import { Account } from '../../../accounts/entities/account.entity.js';
import { REGISTRY_CONFIG, type RegistryConfig } from '../../../config/registry-config.js';
import { issueDeviceToken } from '../../../credentials/device-token.js';
import { PasswordHasher } from '../../../credentials/password-hasher.js';
import { AccountPublisher } from '../../../publishing/account-publisher.service.js';
import {
  AccountDisabledException,
  DeviceLimitReachedException,
  InvalidCredentialsException,
} from '../../devices.errors.js';
import type { RegisterDeviceDto } from '../../dto/register-device.dto.js';
import { DeviceToken } from '../../entities/device-token.entity.js';
import { Device } from '../../entities/device.entity.js';

export interface RegisteredDevice {
  /** False when the device already had a partnership with the account, which was refreshed. */
  created: boolean;
  accountId: string;
  deviceId: string;
  /** The only time the token exists outside the device: only its digest is stored. */
  token: string;
  sessionUrl: string | null;
}

/**
 * The partnership between an account and a device: the first registration creates it, a later one
 * with the same device id refreshes it (metadata, last seen address) and replaces its token.
 */
@Injectable()
export class RegisterDevice {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(AccountPublisher) private readonly publisher: AccountPublisher,
    @Inject(REGISTRY_CONFIG)
    private readonly config: Pick<RegistryConfig, 'MAX_DEVICES_PER_ACCOUNT' | 'PUBLIC_JMAP_URL'>,
  ) {}

  async execute(input: RegisterDeviceDto, clientAddress: string | null): Promise<RegisteredDevice> {
    const accountId = await this.authenticate(input.address, input.password);
    const issued = issueDeviceToken();

    const created = await this.dataSource.transaction(async (manager) => {
      const account = await lockAccount(manager, accountId);
      // The account may have changed while the password was being checked.
      if (!account || account.status === 'deleted') throw new InvalidCredentialsException();
      if (account.status !== 'active') throw new AccountDisabledException();

      const key = { accountId, deviceId: input.deviceId };
      const metadata = {
        deviceType: input.deviceType,
        model: input.model,
        os: input.os,
        userAgent: input.userAgent,
        lastSeenAddress: clientAddress,
      };
      const isNew = !(await manager.existsBy(Device, key));
      if (isNew) {
        const deviceCount = await manager.countBy(Device, { accountId });
        const limit = this.config.MAX_DEVICES_PER_ACCOUNT;
        if (deviceCount >= limit) throw new DeviceLimitReachedException(limit, deviceCount, accountId);
        await manager.insert(Device, { ...key, ...metadata, access: 'allowed' });
      } else {
        // Access stays as it was: registering again must not lift a block.
        await manager.update(Device, key, { ...metadata, updatedAt: () => 'clock_timestamp()' });
      }
      await manager
        .createQueryBuilder()
        .update(DeviceToken)
        .set({ revokedAt: () => 'clock_timestamp()' })
        .where('account_id = :accountId AND device_id = :deviceId AND revoked_at IS NULL', key)
        .execute();
      await manager.insert(DeviceToken, { id: randomUUID(), ...key, tokenSha256: issued.sha256 });
      await bumpAccountRevision(manager, accountId);
      return isNew;
    });

    await this.publisher.publishAfterCommit(accountId);
    return {
      created,
      accountId,
      deviceId: input.deviceId,
      token: issued.token,
      sessionUrl: this.config.PUBLIC_JMAP_URL ?? null,
    };
  }

  private async authenticate(address: string, password: string): Promise<string> {
    const account = await this.dataSource.getRepository(Account).findOne({
      where: { address },
      select: { id: true, passwordHash: true, status: true },
    });
    if (!account || account.status === 'deleted') {
      await this.hasher.verifyAgainstDummy(password);
      throw new InvalidCredentialsException();
    }
    if (!(await this.hasher.verify(account.passwordHash, password))) throw new InvalidCredentialsException();
    if (account.status !== 'active') throw new AccountDisabledException();
    return account.id;
  }
}

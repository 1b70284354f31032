import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { DeviceAccessLevel } from '@pushmail/contracts';
import { DataSource, IsNull } from 'typeorm';
import { Account } from '../accounts/entities/account.entity.js';
import { DeviceToken } from './entities/device-token.entity.js';
import { Device } from './entities/device.entity.js';

export interface DeviceSummary {
  deviceId: string;
  deviceType: string;
  model: string;
  os: string | null;
  userAgent: string | null;
  access: DeviceAccessLevel;
  accessReason: string | null;
  firstSyncAt: string | null;
  lastSyncAt: string | null;
  lastSeenAddress: string | null;
  /** Unrevoked tokens; a registered device normally has exactly one. */
  liveTokens: number;
  createdAt: string;
  updatedAt: string;
}

/** Read side of the admin device endpoints. */
@Injectable()
export class DevicesService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async listForAccount(accountId: string): Promise<{ accountId: string; devices: DeviceSummary[] }> {
    if (!(await this.dataSource.getRepository(Account).existsBy({ id: accountId }))) {
      throw new NotFoundException({ error: 'account_not_found', message: `no account ${accountId}` });
    }
    const devices = await this.dataSource.getRepository(Device).find({
      where: { accountId },
      order: { createdAt: 'ASC', deviceId: 'ASC' },
    });
    const liveTokens = await this.dataSource.getRepository(DeviceToken).find({
      where: { accountId, revokedAt: IsNull() },
      select: { id: true, deviceId: true },
    });
    const tokenCounts = new Map<string, number>();
    for (const token of liveTokens)
      tokenCounts.set(token.deviceId, (tokenCounts.get(token.deviceId) ?? 0) + 1);
    return {
      accountId,
      devices: devices.map((device) => ({
        deviceId: device.deviceId,
        deviceType: device.deviceType,
        model: device.model,
        os: device.os,
        userAgent: device.userAgent,
        access: device.access,
        accessReason: device.accessReason,
        firstSyncAt: device.firstSyncAt?.toISOString() ?? null,
        lastSyncAt: device.lastSyncAt?.toISOString() ?? null,
        lastSeenAddress: device.lastSeenAddress,
        liveTokens: tokenCounts.get(device.deviceId) ?? 0,
        createdAt: device.createdAt.toISOString(),
        updatedAt: device.updatedAt.toISOString(),
      })),
    };
  }
}

import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { apiView } from '@pushmail/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { bumpAccountRevision, lockNamedAccount, revisionOf } from '../accounts/account-revision.js';
import { deviceNotFound } from '../devices/devices.errors.js';
import { recordDeviceEvent } from '../device-events/record-device-event.js';
import { revokeDeviceTokens } from '../devices/device-tokens.js';
import { Device } from '../devices/entities/device.entity.js';
import { AccountChanges } from '../publishing/account-changes.service.js';
import type { ListWipesQuery, RequestWipeDto, WipeView } from './dto/wipe.dto.js';
import { DeviceWipe } from './entities/device-wipe.entity.js';

/**
 * Remote wipes. A requested wipe travels in the account's credentials snapshot, so a connected
 * device receives it at once and an offline one as soon as it connects; the device's
 * confirmation ends the partnership's tokens for good.
 */
@Injectable()
export class WipesService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  async request(accountId: string, deviceId: string, input: RequestWipeDto): Promise<WipeView> {
    const wipeId = randomUUID();
    await this.changes.commit(accountId, async (manager) => {
      const device = await lockedDevice(manager, accountId, deviceId);
      if (device.status === 'wiped') {
        throw new ConflictException({ error: 'device_wiped', message: 'this device has already been wiped' });
      }
      const pending = await manager.findOneBy(DeviceWipe, { accountId, deviceId, status: 'pending' });
      if (pending) {
        throw new ConflictException({
          error: 'wipe_pending',
          wipeId: pending.id,
          message: `a ${pending.kind} wipe requested by ${pending.requestedBy} is already waiting for the device`,
        });
      }
      await manager.insert(DeviceWipe, {
        id: wipeId,
        accountId,
        deviceId,
        kind: input.kind,
        status: 'pending',
        requestedBy: input.requestedBy,
      });
      const wipe = await manager.findOneByOrFail(DeviceWipe, { id: wipeId });
      await recordDeviceEvent(manager, {
        accountId,
        deviceId,
        type: 'wipeRequested',
        actor: input.requestedBy,
        wipe: wipeOf(wipe),
      });
      await bumpAccountRevision(manager, accountId);
    });
    return this.get(wipeId);
  }

  async cancel(accountId: string, deviceId: string, cancelledBy: string): Promise<WipeView> {
    const wipeId = await this.changes.commit(accountId, async (manager) => {
      await lockedDevice(manager, accountId, deviceId);
      const pending = await manager.findOneBy(DeviceWipe, { accountId, deviceId, status: 'pending' });
      if (!pending)
        throw new NotFoundException({
          error: 'wipe_not_found',
          message: 'no wipe is pending for this device',
        });
      await cancelPendingWipes(manager, accountId, deviceId, cancelledBy);
      await bumpAccountRevision(manager, accountId);
      return pending.id;
    });
    return this.get(wipeId);
  }

  /** The device says it has wiped itself: keep when, and make sure it can never sign in again as it was. */
  async confirm(
    accountId: string,
    deviceId: string,
    wipeId: string,
  ): Promise<{ wipe: WipeView; revision: number }> {
    const revision = await this.changes.commit(accountId, async (manager) => {
      await lockedDevice(manager, accountId, deviceId);
      const wipe = await manager.findOneBy(DeviceWipe, {
        id: wipeId,
        accountId,
        deviceId,
        status: 'pending',
      });
      if (!wipe) {
        throw new NotFoundException({
          error: 'wipe_not_found',
          message: `no pending wipe ${wipeId} for this device`,
        });
      }
      await manager.update(
        DeviceWipe,
        { id: wipeId },
        { status: 'confirmed', confirmedAt: () => 'clock_timestamp()' },
      );
      await manager.update(
        Device,
        { accountId, deviceId },
        { status: 'wiped', wipedAt: () => 'clock_timestamp()', updatedAt: () => 'clock_timestamp()' },
      );
      await revokeDeviceTokens(manager, { accountId, deviceId });
      const confirmed = await manager.findOneByOrFail(DeviceWipe, { id: wipeId });
      await recordDeviceEvent(manager, {
        accountId,
        deviceId,
        type: 'wipeConfirmed',
        actor: 'device',
        wipe: { ...wipeOf(confirmed), confirmedAt: confirmed.confirmedAt!.toISOString() },
      });
      await bumpAccountRevision(manager, accountId);
      return revisionOf(manager, accountId);
    });
    return { wipe: await this.get(wipeId), revision };
  }

  async list(query: ListWipesQuery): Promise<WipeView[]> {
    const wipes = await this.dataSource.getRepository(DeviceWipe).find({
      where: {
        ...(query.accountId ? { accountId: query.accountId } : {}),
        ...(query.status ? { status: query.status } : {}),
      },
      order: { requestedAt: 'DESC' },
      take: query.limit,
    });
    return wipes.map(wipeView);
  }

  async get(wipeId: string): Promise<WipeView> {
    const wipe = await this.dataSource.getRepository(DeviceWipe).findOneBy({ id: wipeId });
    if (!wipe) throw new NotFoundException({ error: 'wipe_not_found', message: `no wipe ${wipeId}` });
    return wipeView(wipe);
  }
}

/** Marks the device's pending wipe cancelled (when an administrator withdraws it or the partnership ends). */
export async function cancelPendingWipes(
  manager: EntityManager,
  accountId: string,
  deviceId: string,
  cancelledBy: string,
): Promise<void> {
  const pending = await manager.findBy(DeviceWipe, { accountId, deviceId, status: 'pending' });
  for (const wipe of pending) {
    await manager.update(
      DeviceWipe,
      { id: wipe.id },
      { status: 'cancelled', cancelledAt: () => 'clock_timestamp()', cancelledBy },
    );
    await recordDeviceEvent(manager, {
      accountId,
      deviceId,
      type: 'wipeCancelled',
      actor: cancelledBy,
      wipe: wipeOf(wipe),
    });
  }
}

async function lockedDevice(manager: EntityManager, accountId: string, deviceId: string): Promise<Device> {
  await lockNamedAccount(manager, accountId);
  const device = await manager.findOneBy(Device, { accountId, deviceId });
  if (!device) throw deviceNotFound(deviceId);
  return device;
}

function wipeOf(wipe: DeviceWipe) {
  return { wipeId: wipe.id, ...apiView(wipe, ['kind', 'requestedBy', 'requestedAt']) };
}

function wipeView(wipe: DeviceWipe): WipeView {
  return {
    wipeId: wipe.id,
    ...apiView(wipe, [
      'accountId',
      'deviceId',
      'kind',
      'status',
      'requestedBy',
      'requestedAt',
      'confirmedAt',
      'cancelledAt',
      'cancelledBy',
    ]),
  };
}

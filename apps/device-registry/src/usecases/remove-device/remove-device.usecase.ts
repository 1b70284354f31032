import { Inject, Injectable } from '@nestjs/common';
import { bumpAccountRevision, lockNamedAccount } from '../../accounts/account-revision.js';
import { deviceNotFound } from '../../devices/devices.errors.js';
import { recordDeviceEvent } from '../../device-events/record-device-event.js';
import { AccountChanges } from '../../publishing/account-changes.service.js';
import { cancelPendingWipes } from '../../wipes/wipes.service.js';
import { Device } from '../../devices/entities/device.entity.js';

/** Ends a partnership: the device's tokens go with it and it frees a place under the device limit. */
@Injectable()
export class RemoveDevice {
  constructor(@Inject(AccountChanges) private readonly changes: AccountChanges) {}

  async execute(accountId: string, deviceId: string, removedBy = 'administrator'): Promise<void> {
    await this.changes.commit(accountId, async (manager) => {
      await lockNamedAccount(manager, accountId);
      const result = await manager.delete(Device, { accountId, deviceId });
      if (!result.affected) throw deviceNotFound(deviceId);
      // The wipe record stays; the request simply can no longer reach the device.
      await cancelPendingWipes(manager, accountId, deviceId, 'partnership removed');
      await recordDeviceEvent(manager, { accountId, deviceId, type: 'removed', actor: removedBy });
      await bumpAccountRevision(manager, accountId);
    });
  }
}

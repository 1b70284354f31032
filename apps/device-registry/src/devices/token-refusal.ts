import type { EntityManager } from 'typeorm';
import { DeviceWipe } from '../wipes/entities/device-wipe.entity.js';
import {
  DeviceBlockedException,
  DeviceWipedException,
  DeviceWipePendingException,
} from './devices.errors.js';
import type { Device } from './entities/device.entity.js';

/**
 * Refuses a new token to a device that may not sync, with the same 403 problem whichever way it
 * asks (registration or rotation): a wiped device (`device_wiped`), a blocked one
 * (`device_blocked`), and one with a wipe waiting for it (`wipe_pending`), which gets the wipe,
 * not a fresh credential. Runs inside the caller's transaction, under the account lock.
 */
export async function refuseTokenIfBarred(
  manager: EntityManager,
  device: Pick<
    Device,
    'accountId' | 'deviceId' | 'status' | 'access' | 'accessReason' | 'accessSource' | 'accessRuleId'
  >,
): Promise<void> {
  if (device.status === 'wiped') throw new DeviceWipedException();
  if (device.access === 'blocked') {
    throw new DeviceBlockedException({
      rule: device.accessReason ?? 'blocked',
      source: device.accessSource,
      ruleId: device.accessRuleId,
    });
  }
  const { accountId, deviceId } = device;
  if (await manager.existsBy(DeviceWipe, { accountId, deviceId, status: 'pending' })) {
    throw new DeviceWipePendingException();
  }
}

import type { Device } from '../../api.js';

/** The admin API path of one device; device ids are chosen by the device, so they are encoded. */
export function devicePath(device: Pick<Device, 'accountId' | 'deviceId'>): string {
  return `/admin/accounts/${device.accountId}/devices/${encodeURIComponent(device.deviceId)}`;
}

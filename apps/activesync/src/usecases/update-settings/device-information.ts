import { Inject, Injectable } from '@nestjs/common';
import { child, childText, el, SETTINGS_STATUS, type WbxmlElement } from '@pushmail/activesync';
import { EasAuthenticator } from '../../auth/eas-authenticator.js';
import type { EasCommandContext } from '../../protocol/eas-command.js';
import { DeviceStore } from '../../state/device-store.js';

const text = (element: WbxmlElement, tag: string, max: number): string | null => {
  const value = childText(element, tag, 'Settings')?.trim();
  return value ? value.slice(0, max) : null;
};

/**
 * The DeviceInformation a device sends in Settings (or, from 14.1, inside Provision): its model, OS
 * and friendly name (the IMEI and phone number are never kept).
 */
@Injectable()
export class DeviceInformation {
  constructor(
    @Inject(DeviceStore) private readonly devices: DeviceStore,
    @Inject(EasAuthenticator) private readonly authenticator: EasAuthenticator,
  ) {}

  /**
   * Keeps what the device told of itself and refreshes its partnership in device-registry with it
   * (through a sign-in with the request's own credentials; a device using a token keeps it here).
   */
  async record(context: EasCommandContext, information: WbxmlElement): Promise<WbxmlElement> {
    const set = child(information, 'Set', 'Settings');
    if (!set)
      return el(
        'Settings',
        'DeviceInformation',
        el('Settings', 'Status', String(SETTINGS_STATUS.ProtocolError)),
      );
    const model = text(set, 'Model', 128);
    const os = text(set, 'OS', 128);
    const friendlyName = text(set, 'FriendlyName', 128);
    await this.devices.update(context.device.accountId, context.device.deviceId, {
      ...(model ? { model } : {}),
      ...(os ? { os } : {}),
      ...(friendlyName ? { friendlyName } : {}),
    });
    const credentials = context.device.credentials;
    if (credentials && (model !== context.description.model || os !== context.description.os)) {
      await this.authenticator.refresh(credentials, {
        ...context.description,
        model: model ?? context.description.model,
        os: os ?? context.description.os,
      });
    }
    return el('Settings', 'DeviceInformation', el('Settings', 'Status', String(SETTINGS_STATUS.Success)));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { child, childText, el, type WbxmlElement } from '@pushmail/activesync';
import { EasAuthenticator } from '../../auth/eas-authenticator.js';
import { OutOfOffice } from '../set-out-of-office/out-of-office.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { DeviceStore } from '../../state/device-store.js';

/** Settings statuses ([MS-ASCMD] 2.2.3.177.13). */
const SettingsStatus = {
  Success: 1,
  ProtocolError: 2,
  AccessDenied: 3,
  ServerUnavailable: 4,
  InvalidArguments: 5,
} as const;

const text = (element: WbxmlElement, tag: string, max: number): string | null => {
  const value = childText(element, tag, 'Settings')?.trim();
  return value ? value.slice(0, max) : null;
};

/**
 * Settings: the device's DeviceInformation (model, OS, friendly name; the IMEI and phone number
 * are never kept) goes into its partnership, in device-registry as for any device; Oof is the
 * account's VacationResponse in mailbox (OutOfOffice) and UserInformation gives the address.
 */
@Injectable()
export class UpdateSettings implements EasCommand {
  readonly command = 'Settings';

  constructor(
    @Inject(DeviceStore) private readonly devices: DeviceStore,
    @Inject(EasAuthenticator) private readonly authenticator: EasAuthenticator,
    @Inject(OutOfOffice) private readonly outOfOffice: OutOfOffice,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const body = context.body;
    if (!body)
      return {
        body: el('Settings', 'Settings', el('Settings', 'Status', String(SettingsStatus.ProtocolError))),
      };
    const parts: WbxmlElement[] = [];
    const information = child(body, 'DeviceInformation', 'Settings');
    if (information) parts.push(await this.recordDeviceInformation(context, information));
    const oof = child(body, 'Oof', 'Settings');
    if (oof)
      parts.push(await this.outOfOffice.answer(context.device.accountId, oof, context.protocolVersion));
    const user = child(body, 'UserInformation', 'Settings');
    if (user) {
      parts.push(
        el(
          'Settings',
          'UserInformation',
          el('Settings', 'Status', '1'),
          el(
            'Settings',
            'Get',
            el('Settings', 'EmailAddresses', el('Settings', 'SMTPAddress', context.device.address)),
          ),
        ),
      );
    }
    if (child(body, 'DevicePassword', 'Settings')) {
      parts.push(
        el('Settings', 'DevicePassword', el('Settings', 'Status', String(SettingsStatus.AccessDenied))),
      );
    }
    return { body: el('Settings', 'Settings', el('Settings', 'Status', '1'), ...parts) };
  }

  /**
   * Keeps what the device told of itself and refreshes its partnership in device-registry with it
   * (through a sign-in with the request's own credentials; a device using a token keeps it here).
   */
  async recordDeviceInformation(
    context: EasCommandContext,
    information: WbxmlElement,
  ): Promise<WbxmlElement> {
    const set = child(information, 'Set', 'Settings');
    if (!set)
      return el(
        'Settings',
        'DeviceInformation',
        el('Settings', 'Status', String(SettingsStatus.ProtocolError)),
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
    return el('Settings', 'DeviceInformation', el('Settings', 'Status', '1'));
  }
}

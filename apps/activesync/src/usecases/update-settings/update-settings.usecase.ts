import { Inject, Injectable } from '@nestjs/common';
import { child, el, SETTINGS_STATUS, type WbxmlElement } from '@pushmail/activesync';
import { OutOfOffice, oofReply } from '../set-out-of-office/out-of-office.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { DeviceInformation } from './device-information.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

/**
 * Settings: the device's DeviceInformation (model, OS, friendly name; the IMEI and phone number
 * are never kept) goes into its partnership, in device-registry as for any device; Oof is the
 * account's VacationResponse in mailbox (OutOfOffice), not shown to a quarantined device, and
 * UserInformation gives the address.
 */
@Injectable()
export class UpdateSettings implements EasCommand {
  readonly command = 'Settings';

  constructor(
    @Inject(DeviceInformation) private readonly information: DeviceInformation,
    @Inject(OutOfOffice) private readonly outOfOffice: OutOfOffice,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const body = context.body;
    if (!body) return statusReply(this.command, SETTINGS_STATUS.ProtocolError);
    const parts: WbxmlElement[] = [];
    const information = child(body, 'DeviceInformation', 'Settings');
    if (information) parts.push(await this.information.record(context, information));
    const oof = child(body, 'Oof', 'Settings');
    if (oof && seesQuarantineView(context.standing)) {
      // The out-of-office reply is the account's (mailbox's VacationResponse): a quarantined device
      // may neither read it nor change what is sent to every sender. Settings' own table has Access
      // denied (3), which a phone shows rather than retries; 4 (server unavailable) would be retried.
      // Its DeviceInformation is still recorded, so that an administrator sees which phone to allow.
      parts.push(oofReply({ status: SETTINGS_STATUS.AccessDenied }, context.protocolVersion));
    } else if (oof) {
      parts.push(await this.outOfOffice.answer(context.device.accountId, oof, context.protocolVersion));
    }
    const user = child(body, 'UserInformation', 'Settings');
    if (user) {
      parts.push(
        el(
          'Settings',
          'UserInformation',
          el('Settings', 'Status', String(SETTINGS_STATUS.Success)),
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
        el('Settings', 'DevicePassword', el('Settings', 'Status', String(SETTINGS_STATUS.AccessDenied))),
      );
    }
    return {
      body: el('Settings', 'Settings', el('Settings', 'Status', String(SETTINGS_STATUS.Success)), ...parts),
    };
  }
}

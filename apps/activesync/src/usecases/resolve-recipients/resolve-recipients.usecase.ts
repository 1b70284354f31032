import { Inject, Injectable } from '@nestjs/common';
import {
  children,
  COMMON_STATUS,
  elementsOf,
  RESOLVE_RECIPIENT_STATUS,
  RESOLVE_RECIPIENTS_STATUS,
  textOf,
} from '@pushmail/activesync';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { DeviceViews } from '../../registry/device-views.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

/** Entries one request may ask about ([MS-ASCMD]: at most 100 To elements). */
const MAX_ENTRIES = 100;
/** A plain address: no spaces, brackets or commas, one @ with a dotted domain. */
const ADDRESS = /^[^\s<>(),;:@"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$/;

const r = elementsOf('ResolveRecipients');

/**
 * ResolveRecipients against what pushmail knows: the account's own address (by its address, its
 * local part or its name) and the addresses of the hosted accounts (an exact address only, so the
 * directory cannot be listed by guessing prefixes). Anything else is Status 4, unresolved; there
 * are no certificates, availability or pictures to give. A quarantined device resolves nothing.
 */
@Injectable()
export class ResolveRecipients implements EasCommand {
  readonly command = 'ResolveRecipients';

  constructor(@Inject(DeviceViews) private readonly views: DeviceViews) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    // Which addresses are hosted here is the directory's, not the quarantine notice's: a quarantined
    // device is not told. ResolveRecipients' own table has no value for it (5 is a malformed request,
    // 6 a server error, which phones retry); the common 130 (AccessDenied, [MS-ASCMD] 2.2.2) is the
    // command's Status, with no Response, as for every other command a quarantined device may not run.
    if (seesQuarantineView(context.standing)) return statusReply(this.command, COMMON_STATUS.AccessDenied);
    const entries = context.body
      ? children(context.body, 'To', 'ResolveRecipients').map((to) => textOf(to) ?? '')
      : [];
    if (entries.length === 0 || entries.length > MAX_ENTRIES || entries.some((to) => to.length > 320))
      return statusReply(this.command, RESOLVE_RECIPIENTS_STATUS.ProtocolError);
    const own = context.device.address.toLowerCase();
    const hosted = this.views.accountsOfAddresses(
      new Set(entries.map((to) => to.trim().toLowerCase()).filter((to) => ADDRESS.test(to))),
    );
    const responses = entries.map((to) => {
      const wanted = to.trim().toLowerCase();
      const isOwn = wanted === own || (wanted.length > 0 && wanted === own.slice(0, own.indexOf('@')));
      const address = isOwn ? context.device.address : hosted.has(wanted) ? wanted : undefined;
      if (!address)
        return r(
          'Response',
          r('To', to),
          r('Status', String(RESOLVE_RECIPIENT_STATUS.Unresolved)),
          r('RecipientCount', '0'),
        );
      return r(
        'Response',
        r('To', to),
        r('Status', String(RESOLVE_RECIPIENT_STATUS.Success)),
        r('RecipientCount', '1'),
        r('Recipient', r('Type', '1'), r('DisplayName', address), r('EmailAddress', address)),
      );
    });
    return {
      body: r('ResolveRecipients', r('Status', String(RESOLVE_RECIPIENTS_STATUS.Success)), ...responses),
    };
  }
}

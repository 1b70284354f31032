import { el, type WbxmlElement } from '@pushmail/activesync';
import type { DevicePolicySettingsV1 } from '@pushmail/contracts';

/** EAS MaxEmailAgeFilter values and the days each lets a device keep. */
const AGE_FILTERS: Array<[filter: number, days: number]> = [
  [1, 1],
  [2, 3],
  [3, 7],
  [4, 14],
  [5, 31],
];

/** The widest EAS age filter within `days`; 0 (all mail) beyond a month, which EAS cannot express otherwise. */
export function ageFilterOf(days: number | null): number {
  if (days === null) return 0;
  let chosen = 1;
  for (const [filter, span] of AGE_FILTERS) if (span <= days) chosen = filter;
  return days > 31 ? 0 : chosen;
}

const flag = (value: boolean) => (value ? '1' : '0');

/**
 * The account's policy as an EASProvisionDoc ([MS-ASPROV] 2.2.2.27): what pushmail's policy says,
 * and for everything it does not govern the permissive value. Null settings: no policy at all.
 */
export function provisionDocument(settings: DevicePolicySettingsV1 | null): WbxmlElement {
  const p = (tag: string, value: string) => el('Provision', tag, value);
  const pinRequired = settings?.pinRequired ?? false;
  return el(
    'Provision',
    'EASProvisionDoc',
    p('DevicePasswordEnabled', flag(pinRequired)),
    p('AlphanumericDevicePasswordRequired', '0'),
    p('PasswordRecoveryEnabled', '0'),
    p('RequireDeviceEncryption', '0'),
    p('AttachmentsEnabled', '1'),
    pinRequired &&
      settings &&
      settings.minPinLength > 0 &&
      p('MinDevicePasswordLength', String(settings.minPinLength)),
    settings?.lockAfterIdleSeconds != null &&
      p('MaxInactivityTimeDeviceLock', String(settings.lockAfterIdleSeconds)),
    settings?.wipeAfterFailedUnlocks != null &&
      p('MaxDevicePasswordFailedAttempts', String(settings.wipeAfterFailedUnlocks)),
    settings?.maxAttachmentBytes != null && p('MaxAttachmentSize', String(settings.maxAttachmentBytes)),
    p('AllowSimpleDevicePassword', '1'),
    p('DevicePasswordExpiration', '0'),
    p('DevicePasswordHistory', '0'),
    p('AllowStorageCard', '1'),
    p('AllowCamera', '1'),
    p('RequireStorageCardEncryption', '0'),
    p('AllowUnsignedApplications', '1'),
    p('AllowUnsignedInstallationPackages', '1'),
    p('AllowWiFi', '1'),
    p('AllowTextMessaging', '1'),
    p('AllowPOPIMAPEmail', '1'),
    p('AllowBluetooth', '2'),
    p('AllowIrDA', '1'),
    p('RequireManualSyncWhenRoaming', '0'),
    p('AllowDesktopSync', '1'),
    p('MaxCalendarAgeFilter', '0'),
    p('AllowHTMLEmail', '1'),
    p('MaxEmailAgeFilter', String(ageFilterOf(settings?.syncWindowDays ?? null))),
    p('RequireSignedSMIMEMessages', '0'),
    p('RequireEncryptedSMIMEMessages', '0'),
    p('AllowSMIMESoftCerts', '1'),
    p('AllowBrowser', '1'),
    p('AllowConsumerEmail', '1'),
    p('AllowRemoteDesktop', '1'),
    p('AllowInternetSharing', '1'),
  );
}

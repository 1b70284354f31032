// Provision ([MS-ASPROV]): the policy handshake (download, acknowledge) and remote wipe.
import { CODE_PAGES } from '../wbxml/code-pages.js';
import { el, type WbxmlElement } from '../wbxml/wbxml.js';
import { RequestReader } from './common.js';
import { type DeviceInformation, readDeviceInformation } from './settings.js';

/** Provision Status values ([MS-ASPROV] 2.2.2.54.2). */
export const PROVISION_STATUS = { Success: 1, ProtocolError: 2, ServerError: 3 } as const;

/** Policy Status values sent by the server ([MS-ASPROV] 2.2.2.54.1). */
export const POLICY_STATUS = {
  Success: 1,
  NoPolicy: 2,
  UnknownPolicyType: 3,
  PolicyCorrupt: 4,
  WrongPolicyKey: 5,
} as const;

/** The only policy type of protocol 12.0 and later. */
export const POLICY_TYPE = 'MS-EAS-Provisioning-WBXML';

/** The settings of an EASProvisionDoc, named as their elements ([MS-ASPROV] 2.2.2.28). */
export type EasPolicySetting =
  | 'DevicePasswordEnabled'
  | 'AlphanumericDevicePasswordRequired'
  | 'RequireStorageCardEncryption'
  | 'PasswordRecoveryEnabled'
  | 'AttachmentsEnabled'
  | 'MinDevicePasswordLength'
  | 'MaxInactivityTimeDeviceLock'
  | 'MaxDevicePasswordFailedAttempts'
  | 'MaxAttachmentSize'
  | 'AllowSimpleDevicePassword'
  | 'DevicePasswordExpiration'
  | 'DevicePasswordHistory'
  | 'AllowStorageCard'
  | 'AllowCamera'
  | 'RequireDeviceEncryption'
  | 'AllowUnsignedApplications'
  | 'AllowUnsignedInstallationPackages'
  | 'MinDevicePasswordComplexCharacters'
  | 'AllowWiFi'
  | 'AllowTextMessaging'
  | 'AllowPOPIMAPEmail'
  | 'AllowBluetooth'
  | 'AllowIrDA'
  | 'RequireManualSyncWhenRoaming'
  | 'AllowDesktopSync'
  | 'MaxCalendarAgeFilter'
  | 'AllowHTMLEmail'
  | 'MaxEmailAgeFilter'
  | 'MaxEmailBodyTruncationSize'
  | 'MaxEmailHTMLBodyTruncationSize'
  | 'RequireSignedSMIMEMessages'
  | 'RequireEncryptedSMIMEMessages'
  | 'RequireSignedSMIMEAlgorithm'
  | 'RequireEncryptionSMIMEAlgorithm'
  | 'AllowSMIMEEncryptionAlgorithmNegotiation'
  | 'AllowSMIMESoftCerts'
  | 'AllowBrowser'
  | 'AllowConsumerEmail'
  | 'AllowRemoteDesktop'
  | 'AllowInternetSharing';

export interface EasProvisionDoc {
  /** Booleans are written 1/0; an empty string writes an empty element (no limit). */
  settings: Partial<Record<EasPolicySetting, number | boolean | ''>>;
  /** Application names the device must not run from its ROM. */
  unapprovedInRomApplications?: string[];
  /** SHA-1 hashes of the applications the device may run. */
  approvedApplications?: string[];
}

export interface ProvisionRequest {
  /** From 14.1 on the client describes itself in the Provision request. */
  deviceInformation?: DeviceInformation;
  policy?: { policyType: string; policyKey?: string; status?: number };
  /** The client's acknowledgement of a remote wipe: 1 wiped, 2 failed. */
  remoteWipeStatus?: number;
}

export interface ProvisionResponse {
  status: number;
  deviceInformationStatus?: number;
  policy?: { policyType: string; status: number; policyKey?: string; data?: EasProvisionDoc };
  /** Orders the device to wipe itself. */
  remoteWipe?: boolean;
}

const r = new RequestReader('Provision', PROVISION_STATUS.ProtocolError);

/** Reads a Provision request; throws ActiveSyncCommandError with Status 2 for a malformed one. */
export function readProvisionRequest(root: WbxmlElement): ProvisionRequest {
  r.root(root, 'Provision', 'Provision');
  const request: ProvisionRequest = {};
  const device = r.one(root, 'DeviceInformation', 'Settings');
  if (device) request.deviceInformation = readDeviceInformation(device, r);
  const policies = r.one(root, 'Policies', 'Provision');
  const wipe = r.one(root, 'RemoteWipe', 'Provision');
  if (!policies && !wipe) r.fail('Provision holds neither Policies nor RemoteWipe');
  if (policies) {
    const policy = r.required(policies, 'Policy', 'Provision');
    const parsed: NonNullable<ProvisionRequest['policy']> = {
      policyType: r.requiredText(policy, 'PolicyType', 'Provision', 64),
    };
    const key = r.optionalText(policy, 'PolicyKey', 'Provision', 64);
    if (key !== undefined) {
      if (!/^[0-9]{1,10}$/.test(key) || Number(key) > 0xffffffff) r.fail('PolicyKey is not a 32-bit number');
      parsed.policyKey = key;
    }
    const status = r.integer(policy, 'Status', 'Provision', 1, 4);
    if (status !== undefined) parsed.status = status;
    request.policy = parsed;
  }
  if (wipe)
    request.remoteWipeStatus =
      r.integer(wipe, 'Status', 'Provision', 1, 2) ?? r.fail('RemoteWipe lacks Status');
  return request;
}

// The document's settings in the order of the code page, which is the schema's order.
const SETTING_ORDER = (Object.keys(CODE_PAGES.Provision.tags) as string[]).filter(
  (tag) => CODE_PAGES.Provision.tags[tag as keyof typeof CODE_PAGES.Provision.tags] >= 0x0e,
);

function provisionDoc(doc: EasProvisionDoc): WbxmlElement {
  const items: WbxmlElement[] = [];
  for (const tag of SETTING_ORDER) {
    if (tag === 'UnapprovedInROMApplicationList' && doc.unapprovedInRomApplications) {
      items.push(
        el(
          'Provision',
          tag,
          doc.unapprovedInRomApplications.map((name) => el('Provision', 'ApplicationName', name)),
        ),
      );
    } else if (tag === 'ApprovedApplicationList' && doc.approvedApplications) {
      items.push(
        el(
          'Provision',
          tag,
          doc.approvedApplications.map((hash) => el('Provision', 'Hash', hash)),
        ),
      );
    } else {
      const value = doc.settings[tag as EasPolicySetting];
      if (value === undefined) continue;
      items.push(
        el(
          'Provision',
          tag,
          value === '' ? undefined : typeof value === 'boolean' ? (value ? '1' : '0') : String(value),
        ),
      );
    }
  }
  return el('Provision', 'EASProvisionDoc', items);
}

export function buildProvisionResponse(response: ProvisionResponse): WbxmlElement {
  const policy = response.policy;
  return el(
    'Provision',
    'Provision',
    response.deviceInformationStatus !== undefined &&
      el('Settings', 'DeviceInformation', el('Settings', 'Status', String(response.deviceInformationStatus))),
    el('Provision', 'Status', String(response.status)),
    policy !== undefined &&
      el(
        'Provision',
        'Policies',
        el(
          'Provision',
          'Policy',
          el('Provision', 'PolicyType', policy.policyType),
          el('Provision', 'Status', String(policy.status)),
          policy.policyKey !== undefined && el('Provision', 'PolicyKey', policy.policyKey),
          policy.data !== undefined && el('Provision', 'Data', provisionDoc(policy.data)),
        ),
      ),
    response.remoteWipe === true && el('Provision', 'RemoteWipe'),
  );
}

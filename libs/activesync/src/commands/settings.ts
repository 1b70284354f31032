// Settings ([MS-ASCMD] 2.2.1.18): device information, out of office, user information.
import { children, el, type WbxmlElement } from '../wbxml/wbxml.js';
import { RequestReader } from './common.js';

/** Settings Status values ([MS-ASCMD] 2.2.3.177.15). */
export const SETTINGS_STATUS = {
  Success: 1,
  ProtocolError: 2,
  AccessDenied: 3,
  ServerUnavailable: 4,
  InvalidArguments: 5,
  ConflictingArguments: 6,
  DeniedByPolicy: 7,
} as const;

export interface DeviceInformation {
  model?: string;
  imei?: string;
  friendlyName?: string;
  os?: string;
  osLanguage?: string;
  phoneNumber?: string;
  userAgent?: string;
  enableOutboundSms?: boolean;
  mobileOperator?: string;
}

const DEVICE_FIELDS = [
  ['Model', 'model'],
  ['IMEI', 'imei'],
  ['FriendlyName', 'friendlyName'],
  ['OS', 'os'],
  ['OSLanguage', 'osLanguage'],
  ['PhoneNumber', 'phoneNumber'],
  ['UserAgent', 'userAgent'],
  ['MobileOperator', 'mobileOperator'],
] as const;

export interface OofMessage {
  audience: 'internal' | 'externalKnown' | 'externalUnknown';
  enabled: boolean;
  replyMessage?: string;
  bodyType?: string;
}

export interface OofSettings {
  /** 0 disabled, 1 global, 2 time-based. */
  state?: number;
  startTime?: string;
  endTime?: string;
  messages: OofMessage[];
}

export interface SettingsRequest {
  oof?: { get: { bodyType: string } } | { set: OofSettings };
  devicePassword?: { password: string };
  deviceInformation?: DeviceInformation;
  userInformation?: boolean;
  rightsManagementInformation?: boolean;
}

const r = new RequestReader('Settings', SETTINGS_STATUS.ProtocolError);

/** Reads the Settings:DeviceInformation/Set element (also sent inside Provision from 14.1 on). */
export function readDeviceInformation(
  deviceInformation: WbxmlElement,
  reader: RequestReader = r,
): DeviceInformation {
  const set = reader.required(deviceInformation, 'Set', 'Settings');
  const info: DeviceInformation = {};
  for (const [tag, field] of DEVICE_FIELDS) {
    const value = reader.optionalText(set, tag, 'Settings', 1024);
    if (value !== undefined) info[field] = value;
  }
  const sms = reader.integer(set, 'EnableOutboundSMS', 'Settings', 0, 1);
  if (sms !== undefined) info.enableOutboundSms = sms === 1;
  return info;
}

const AUDIENCES = [
  ['AppliesToInternal', 'internal'],
  ['AppliesToExternalKnown', 'externalKnown'],
  ['AppliesToExternalUnknown', 'externalUnknown'],
] as const;

function readOof(oof: WbxmlElement): SettingsRequest['oof'] {
  const get = r.one(oof, 'Get', 'Settings');
  const set = r.one(oof, 'Set', 'Settings');
  if ((get === undefined) === (set === undefined)) r.fail('Oof needs exactly one of Get and Set');
  if (get) return { get: { bodyType: r.requiredText(get, 'BodyType', 'Settings', 4) } };
  const settings: OofSettings = { messages: [] };
  const state = r.integer(set!, 'OofState', 'Settings', 0, 2);
  if (state !== undefined) settings.state = state;
  const start = r.optionalText(set!, 'StartTime', 'Settings', 64);
  if (start !== undefined) settings.startTime = start;
  const end = r.optionalText(set!, 'EndTime', 'Settings', 64);
  if (end !== undefined) settings.endTime = end;
  for (const m of children(set!, 'OofMessage', 'Settings')) {
    const audiences = AUDIENCES.filter(([tag]) => r.one(m, tag, 'Settings') !== undefined);
    if (audiences.length !== 1) r.fail('an OofMessage needs exactly one AppliesTo element');
    const entry: OofMessage = {
      audience: audiences[0]![1],
      enabled: r.integer(m, 'Enabled', 'Settings', 0, 1) === 1,
    };
    const reply = r.optionalText(m, 'ReplyMessage', 'Settings', 64 * 1024);
    if (reply !== undefined) entry.replyMessage = reply;
    const bodyType = r.optionalText(m, 'BodyType', 'Settings', 4);
    if (bodyType !== undefined) entry.bodyType = bodyType;
    settings.messages.push(entry);
  }
  return { set: settings };
}

/** Reads a Settings request; throws ActiveSyncCommandError with Status 2 for a malformed one. */
export function readSettingsRequest(root: WbxmlElement): SettingsRequest {
  r.root(root, 'Settings', 'Settings');
  const request: SettingsRequest = {};
  const oof = r.one(root, 'Oof', 'Settings');
  if (oof) request.oof = readOof(oof);
  const password = r.one(root, 'DevicePassword', 'Settings');
  if (password) {
    const set = r.required(password, 'Set', 'Settings');
    request.devicePassword = { password: r.optionalText(set, 'Password', 'Settings', 256) ?? '' };
  }
  const device = r.one(root, 'DeviceInformation', 'Settings');
  if (device) request.deviceInformation = readDeviceInformation(device);
  const user = r.one(root, 'UserInformation', 'Settings');
  if (user) {
    r.required(user, 'Get', 'Settings');
    request.userInformation = true;
  }
  const rights = r.one(root, 'RightsManagementInformation', 'Settings');
  if (rights) {
    r.required(rights, 'Get', 'Settings');
    request.rightsManagementInformation = true;
  }
  return request;
}

export interface SettingsResponse {
  status: number;
  oof?: { status: number; get?: OofSettings };
  devicePassword?: { status: number };
  deviceInformation?: { status: number };
  userInformation?: {
    status: number;
    displayName?: string;
    primarySmtpAddress?: string;
    smtpAddresses?: string[];
  };
}

function oofSettings(settings: OofSettings): WbxmlElement {
  return el(
    'Settings',
    'Get',
    settings.state !== undefined && el('Settings', 'OofState', String(settings.state)),
    settings.startTime !== undefined && el('Settings', 'StartTime', settings.startTime),
    settings.endTime !== undefined && el('Settings', 'EndTime', settings.endTime),
    settings.messages.map((m) =>
      el(
        'Settings',
        'OofMessage',
        el('Settings', AUDIENCES.find(([, audience]) => audience === m.audience)![0]),
        el('Settings', 'Enabled', m.enabled ? '1' : '0'),
        m.replyMessage !== undefined && el('Settings', 'ReplyMessage', m.replyMessage),
        m.bodyType !== undefined && el('Settings', 'BodyType', m.bodyType),
      ),
    ),
  );
}

/**
 * Builds a Settings response. User information comes as EmailAddresses (14.0) or, from 14.1 on,
 * as Accounts with the display name and primary address.
 */
export function buildSettingsResponse(response: SettingsResponse, protocolVersion: string): WbxmlElement {
  const accounts = protocolVersion !== '14.0';
  const user = response.userInformation;
  const addresses = (u: NonNullable<typeof user>) =>
    el(
      'Settings',
      'EmailAddresses',
      (u.smtpAddresses ?? []).map((a) => el('Settings', 'SMTPAddress', a)),
      accounts &&
        u.primarySmtpAddress !== undefined &&
        el('Settings', 'PrimarySmtpAddress', u.primarySmtpAddress),
    );
  return el(
    'Settings',
    'Settings',
    el('Settings', 'Status', String(response.status)),
    response.oof !== undefined &&
      el(
        'Settings',
        'Oof',
        el('Settings', 'Status', String(response.oof.status)),
        response.oof.get !== undefined && oofSettings(response.oof.get),
      ),
    response.devicePassword !== undefined &&
      el('Settings', 'DevicePassword', el('Settings', 'Status', String(response.devicePassword.status))),
    response.deviceInformation !== undefined &&
      el(
        'Settings',
        'DeviceInformation',
        el('Settings', 'Status', String(response.deviceInformation.status)),
      ),
    user !== undefined &&
      el(
        'Settings',
        'UserInformation',
        el('Settings', 'Status', String(user.status)),
        user.status === SETTINGS_STATUS.Success &&
          el(
            'Settings',
            'Get',
            accounts
              ? el(
                  'Settings',
                  'Accounts',
                  el(
                    'Settings',
                    'Account',
                    user.displayName !== undefined && el('Settings', 'UserDisplayName', user.displayName),
                    addresses(user),
                  ),
                )
              : addresses(user),
          ),
      ),
  );
}

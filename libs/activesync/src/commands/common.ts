// What the command models share: reading a decoded request with its limits, and the error that
// carries the Status code a command answers a protocol error with.
import { children, textOf, type CodePageName, type WbxmlElement } from '../wbxml/wbxml.js';

/**
 * A request that decoded as WBXML but is not a valid command: answered with the command's own
 * Status element carrying `status` (HTTP 200), as [MS-ASCMD] prescribes for protocol errors.
 */
export class ActiveSyncCommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number,
    message: string,
    /** For a Sync Status 14 or Ping Status 5/6: the limit the client has to respect. */
    readonly limit?: number,
  ) {
    super(message);
    this.name = 'ActiveSyncCommandError';
  }
}

/** Status codes common to all commands from protocol 14.0 on ([MS-ASCMD] 2.2.2). */
export const COMMON_STATUS = {
  InvalidContent: 101,
  InvalidWBXML: 102,
  InvalidXML: 103,
  InvalidDateTime: 104,
  InvalidCombinationOfIDs: 105,
  InvalidIDs: 106,
  InvalidMIME: 107,
  DeviceIdMissingOrInvalid: 108,
  DeviceTypeMissingOrInvalid: 109,
  ServerError: 110,
  ServerErrorRetryLater: 111,
  MailboxQuotaExceeded: 113,
  SendQuotaExceeded: 115,
  MessageRecipientUnresolved: 116,
  MessageReplyNotAllowed: 117,
  MessagePreviouslySent: 118,
  MessageHasNoRecipient: 119,
  MailSubmissionFailed: 120,
  MessageReplyFailed: 121,
  AttachmentIsTooLarge: 122,
  UserHasNoMailbox: 123,
  UserDisabledForSync: 126,
  DeviceIsBlockedForThisUser: 129,
  /**
   * The user may not perform that request. The gateway's answer to a command a quarantined device
   * may not run (folder changes, moves, sending), as the command's top Status: the command tables
   * have no value of their own for it, and their server-error values are retried by phones.
   */
  AccessDenied: 130,
  AccountDisabled: 131,
  SyncStateNotFound: 132,
  SyncStateLocked: 133,
  SyncStateCorrupt: 134,
  CommandNotSupported: 137,
  VersionNotSupported: 138,
  DeviceNotFullyProvisionable: 139,
  RemoteWipeRequested: 140,
  DeviceNotProvisioned: 142,
  PolicyRefresh: 143,
  InvalidPolicyKey: 144,
  ItemNotFound: 150,
  TooManyFolders: 151,
  NoFoldersFound: 152,
  DeviceInformationRequired: 165,
  MaximumDevicesReached: 177,
} as const;

/** The longest text a request field may carry unless its command says otherwise. */
export const MAX_ID_LENGTH = 256;

/** Reads one command's request, throwing its protocol-error Status for anything malformed. */
export class RequestReader {
  constructor(
    readonly command: string,
    readonly protocolError: number,
  ) {}

  fail(message: string, status = this.protocolError, limit?: number): never {
    throw new ActiveSyncCommandError(this.command, status, message, limit);
  }

  root(root: WbxmlElement, page: CodePageName, tag: string): WbxmlElement {
    if (root.page !== page || root.tag !== tag) this.fail(`the request is not a ${page}:${tag} document`);
    return root;
  }

  /** The single child `tag`; absent is undefined, repeated is an error. */
  one(e: WbxmlElement, tag: string, page: CodePageName): WbxmlElement | undefined {
    const found = children(e, tag, page);
    if (found.length > 1) this.fail(`${tag} appears more than once in ${e.tag}`);
    return found[0];
  }

  required(e: WbxmlElement, tag: string, page: CodePageName): WbxmlElement {
    return this.one(e, tag, page) ?? this.fail(`${e.tag} lacks ${tag}`);
  }

  /** Text of a leaf child, bounded in length; no element children allowed. */
  text(e: WbxmlElement | undefined, tag: string, maxLength = MAX_ID_LENGTH): string | undefined {
    if (!e) return undefined;
    if (e.children.some((c) => typeof c !== 'string')) this.fail(`${tag} must hold text only`);
    const value = textOf(e) ?? '';
    if (value.length > maxLength) this.fail(`${tag} is longer than ${maxLength} characters`);
    return value;
  }

  optionalText(
    e: WbxmlElement,
    tag: string,
    page: CodePageName,
    maxLength = MAX_ID_LENGTH,
  ): string | undefined {
    return this.text(this.one(e, tag, page), tag, maxLength);
  }

  requiredText(e: WbxmlElement, tag: string, page: CodePageName, maxLength = MAX_ID_LENGTH): string {
    const value = this.text(this.required(e, tag, page), tag, maxLength)!;
    if (value === '') this.fail(`${tag} is empty`);
    return value;
  }

  /** An unsigned decimal integer within [min, max]. */
  integer(e: WbxmlElement, tag: string, page: CodePageName, min: number, max: number): number | undefined {
    const value = this.optionalText(e, tag, page, 10);
    if (value === undefined) return undefined;
    if (!/^[0-9]{1,10}$/.test(value)) this.fail(`${tag} is not a number`);
    const n = Number(value);
    if (n < min || n > max) this.fail(`${tag} is outside ${min}..${max}`);
    return n;
  }

  /** A flag element: present (empty or "1") is true, "0" is false, absent is undefined. */
  flag(e: WbxmlElement, tag: string, page: CodePageName): boolean | undefined {
    const found = this.one(e, tag, page);
    if (!found) return undefined;
    const value = this.text(found, tag, 1) ?? '';
    if (value === '' || value === '1') return true;
    if (value === '0') return false;
    return this.fail(`${tag} is neither 0 nor 1`);
  }

  /** The element's opaque content, or its text as UTF-8 (clients send either). */
  bytes(
    e: WbxmlElement | undefined,
    tag: string,
    maxBytes: number,
    tooLarge = this.protocolError,
  ): Buffer | undefined {
    if (!e) return undefined;
    const parts: Buffer[] = [];
    for (const node of e.children) {
      if (typeof node === 'string') parts.push(Buffer.from(node, 'utf8'));
      else if (node instanceof Uint8Array) parts.push(Buffer.from(node));
      else this.fail(`${tag} must hold data only`);
    }
    const data = Buffer.concat(parts);
    if (data.length > maxBytes) this.fail(`${tag} is larger than ${maxBytes} bytes`, tooLarge);
    return data;
  }
}

export interface BodyPreference {
  /** 1 plain text, 2 HTML, 3 RTF, 4 MIME. */
  type: number;
  truncationSize?: number;
  allOrNone?: boolean;
  /** Characters of preview wanted (0..255). */
  preview?: number;
}

/** airsyncbase:BodyPreference elements of an Options container ([MS-ASAIRS] 2.2.2.12). */
export function readBodyPreferences(
  r: RequestReader,
  options: WbxmlElement,
  tag = 'BodyPreference',
): BodyPreference[] {
  const seen = new Set<number>();
  return children(options, tag, 'AirSyncBase').map((pref) => {
    const type = r.integer(pref, 'Type', 'AirSyncBase', 1, 4) ?? r.fail(`${tag} lacks Type`);
    if (seen.has(type)) r.fail(`two ${tag} elements for Type ${type}`);
    seen.add(type);
    const result: BodyPreference = { type };
    const truncationSize = r.integer(pref, 'TruncationSize', 'AirSyncBase', 0, 0xffffffff);
    if (truncationSize !== undefined) result.truncationSize = truncationSize;
    const allOrNone = r.flag(pref, 'AllOrNone', 'AirSyncBase');
    if (allOrNone !== undefined) result.allOrNone = allOrNone;
    const preview = r.integer(pref, 'Preview', 'AirSyncBase', 0, 255);
    if (preview !== undefined) result.preview = preview;
    return result;
  });
}

/** Leaves `undefined` out, so optional response fields vanish from the tree. */
export function present<T>(
  value: T | undefined,
  build: (value: T) => WbxmlElement,
): WbxmlElement | undefined {
  return value === undefined ? undefined : build(value);
}

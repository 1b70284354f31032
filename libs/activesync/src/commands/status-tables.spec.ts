// Pins every Status value the library hands the gateway to the number [MS-ASCMD] (and [MS-ASPROV]
// for Provision) gives it: a value that drifts here is one a phone reads as something else.
import { describe, expect, it } from 'vitest';
import { COMMON_STATUS } from './common.js';
import {
  FOLDER_CREATE_STATUS,
  FOLDER_DELETE_STATUS,
  FOLDER_SYNC_STATUS,
  FOLDER_UPDATE_STATUS,
} from './folder-sync.js';
import { GET_ITEM_ESTIMATE_STATUS } from './get-item-estimate.js';
import { ITEM_OPERATIONS_STATUS } from './item-operations.js';
import { MOVE_ITEMS_STATUS } from './move-items.js';
import { PING_STATUS } from './ping.js';
import { POLICY_STATUS, PROVISION_STATUS } from './provision.js';
import { SEARCH_STATUS } from './search.js';
import { SETTINGS_STATUS } from './settings.js';
import {
  FIND_STATUS,
  MEETING_RESPONSE_STATUS,
  RESOLVE_RECIPIENT_STATUS,
  RESOLVE_RECIPIENTS_STATUS,
  VALIDATE_CERT_STATUS,
} from './status-tables.js';
import { SYNC_STATUS } from './sync.js';

describe('ItemOperations Status (2.2.3.177.8)', () => {
  it('pins the values, 18 being credentials required and 156 action not supported', () => {
    expect(ITEM_OPERATIONS_STATUS).toEqual({
      Success: 1,
      ProtocolError: 2,
      ServerError: 3,
      DocumentLibraryBadUri: 4,
      DocumentLibraryAccessDenied: 5,
      ObjectNotFound: 6,
      DocumentLibraryConnectionFailed: 7,
      InvalidByteRange: 8,
      UnknownStore: 9,
      EmptyFile: 10,
      DataTooLarge: 11,
      IoFailure: 12,
      ConversionFailure: 14,
      InvalidAttachment: 15,
      ResourceAccessDenied: 16,
      PartialSuccess: 17,
      CredentialsRequired: 18,
      ActionNotSupported: 156,
    });
  });
});

describe('Sync Status (2.2.3.177.17)', () => {
  it('pins the values, for the request and for each collection and item', () => {
    expect(SYNC_STATUS).toEqual({
      Success: 1,
      InvalidSyncKey: 3,
      ProtocolError: 4,
      ServerError: 5,
      ConversionError: 6,
      Conflict: 7,
      ObjectNotFound: 8,
      OutOfSpace: 9,
      FolderHierarchyChanged: 12,
      IncompleteRequest: 13,
      InvalidWaitOrHeartbeat: 14,
      TooManyCollections: 15,
      Retry: 16,
    });
  });
});

describe('FolderSync Status (2.2.3.177.5)', () => {
  it('pins the values', () => {
    expect(FOLDER_SYNC_STATUS).toEqual({
      Success: 1,
      ServerError: 6,
      InvalidSyncKey: 9,
      ProtocolError: 10,
      UnknownError: 11,
      CodeUnknown: 12,
    });
  });
});

describe('FolderCreate Status (2.2.3.177.3)', () => {
  it('pins the values; there is no 4', () => {
    expect(FOLDER_CREATE_STATUS).toEqual({
      Success: 1,
      AlreadyExists: 2,
      SpecialParent: 3,
      ParentNotFound: 5,
      ServerError: 6,
      InvalidSyncKey: 9,
      BadRequest: 10,
      UnknownError: 11,
      CodeUnknown: 12,
    });
    expect(Object.values(FOLDER_CREATE_STATUS)).not.toContain(4);
  });
});

describe('FolderUpdate Status (2.2.3.177.6)', () => {
  it('pins the values: a special folder is 2, and 3 only the Recipient information cache', () => {
    expect(FOLDER_UPDATE_STATUS).toEqual({
      Success: 1,
      ExistsOrSpecialFolder: 2,
      RecipientInformationFolder: 3,
      NotFound: 4,
      ParentNotFound: 5,
      ServerError: 6,
      InvalidSyncKey: 9,
      BadRequest: 10,
      UnknownError: 11,
    });
  });
});

describe('FolderDelete Status (2.2.3.177.4)', () => {
  it('pins the values; there is no 2 or 5', () => {
    expect(FOLDER_DELETE_STATUS).toEqual({
      Success: 1,
      SpecialFolder: 3,
      NotFound: 4,
      ServerError: 6,
      InvalidSyncKey: 9,
      BadRequest: 10,
      UnknownError: 11,
    });
    expect(Object.values(FOLDER_DELETE_STATUS)).not.toContain(2);
    expect(Object.values(FOLDER_DELETE_STATUS)).not.toContain(5);
  });
});

describe('Ping Status (2.2.3.177.11)', () => {
  it('pins the values', () => {
    expect(PING_STATUS).toEqual({
      Expired: 1,
      ChangesFound: 2,
      MissingParameters: 3,
      ProtocolError: 4,
      InvalidHeartbeatInterval: 5,
      TooManyFolders: 6,
      FolderSyncRequired: 7,
      ServerError: 8,
    });
  });
});

describe('Provision Status ([MS-ASPROV] 2.2.2.54)', () => {
  it('pins the Provision and the Policy values', () => {
    expect(PROVISION_STATUS).toEqual({ Success: 1, ProtocolError: 2, ServerError: 3 });
    expect(POLICY_STATUS).toEqual({
      Success: 1,
      NoPolicy: 2,
      UnknownPolicyType: 3,
      PolicyCorrupt: 4,
      WrongPolicyKey: 5,
    });
  });
});

describe('Settings Status (2.2.3.177.15)', () => {
  it('pins the values (Oof and DeviceInformation use them too)', () => {
    expect(SETTINGS_STATUS).toEqual({
      Success: 1,
      ProtocolError: 2,
      AccessDenied: 3,
      ServerUnavailable: 4,
      InvalidArguments: 5,
      ConflictingArguments: 6,
      DeniedByPolicy: 7,
    });
  });
});

describe('Search Status (2.2.3.177.13)', () => {
  it('pins the values', () => {
    expect(SEARCH_STATUS).toEqual({
      Success: 1,
      InvalidRequest: 2,
      ServerError: 3,
      BadLink: 4,
      AccessDenied: 5,
      NotFound: 6,
      ConnectionFailed: 7,
      TooComplex: 8,
      TimedOut: 10,
      FolderSyncRequired: 11,
      EndOfRange: 12,
      AccessBlocked: 13,
      CredentialsRequired: 14,
    });
  });
});

describe('MoveItems Status (2.2.3.177.10)', () => {
  it('pins the values: 3 is success, 1 and 2 invalid source and destination', () => {
    expect(MOVE_ITEMS_STATUS).toEqual({
      InvalidSource: 1,
      InvalidDestination: 2,
      Success: 3,
      SameSourceAndDestination: 4,
      Failure: 5,
      Locked: 7,
    });
  });
});

describe('GetItemEstimate Status (2.2.3.177.7)', () => {
  it('pins the values', () => {
    expect(GET_ITEM_ESTIMATE_STATUS).toEqual({
      Success: 1,
      InvalidCollection: 2,
      SyncStateNotPrimed: 3,
      InvalidSyncKey: 4,
    });
  });
});

describe('SendMail / SmartReply / SmartForward Status (2.2.3.177.14, .16: the common values of 2.2.2)', () => {
  it('pins the common values the gateway answers a refused message with', () => {
    expect({
      InvalidXML: COMMON_STATUS.InvalidXML,
      InvalidCombinationOfIDs: COMMON_STATUS.InvalidCombinationOfIDs,
      InvalidMIME: COMMON_STATUS.InvalidMIME,
      ServerError: COMMON_STATUS.ServerError,
      MailboxQuotaExceeded: COMMON_STATUS.MailboxQuotaExceeded,
      SendQuotaExceeded: COMMON_STATUS.SendQuotaExceeded,
      MessageRecipientUnresolved: COMMON_STATUS.MessageRecipientUnresolved,
      MessageReplyNotAllowed: COMMON_STATUS.MessageReplyNotAllowed,
      MessagePreviouslySent: COMMON_STATUS.MessagePreviouslySent,
      MessageHasNoRecipient: COMMON_STATUS.MessageHasNoRecipient,
      MailSubmissionFailed: COMMON_STATUS.MailSubmissionFailed,
      MessageReplyFailed: COMMON_STATUS.MessageReplyFailed,
      AttachmentIsTooLarge: COMMON_STATUS.AttachmentIsTooLarge,
      AccessDenied: COMMON_STATUS.AccessDenied,
      ItemNotFound: COMMON_STATUS.ItemNotFound,
    }).toEqual({
      InvalidXML: 103,
      InvalidCombinationOfIDs: 105,
      InvalidMIME: 107,
      ServerError: 110,
      MailboxQuotaExceeded: 113,
      SendQuotaExceeded: 115,
      MessageRecipientUnresolved: 116,
      MessageReplyNotAllowed: 117,
      MessagePreviouslySent: 118,
      MessageHasNoRecipient: 119,
      MailSubmissionFailed: 120,
      MessageReplyFailed: 121,
      AttachmentIsTooLarge: 122,
      AccessDenied: 130,
      ItemNotFound: 150,
    });
  });

  it('pins the common values of the device gate', () => {
    expect([
      COMMON_STATUS.DeviceIsBlockedForThisUser,
      COMMON_STATUS.RemoteWipeRequested,
      COMMON_STATUS.DeviceNotProvisioned,
      COMMON_STATUS.PolicyRefresh,
      COMMON_STATUS.InvalidPolicyKey,
      COMMON_STATUS.DeviceNotFullyProvisionable,
      COMMON_STATUS.MaximumDevicesReached,
    ]).toEqual([129, 140, 142, 143, 144, 139, 177]);
  });
});

describe('ResolveRecipients Status (2.2.3.177.12)', () => {
  it('pins the command values and the per-recipient values', () => {
    expect(RESOLVE_RECIPIENTS_STATUS).toEqual({ Success: 1, ProtocolError: 5, ServerError: 6 });
    expect(RESOLVE_RECIPIENT_STATUS).toEqual({
      Success: 1,
      Ambiguous: 2,
      AmbiguousPartial: 3,
      Unresolved: 4,
    });
  });
});

describe('MeetingResponse Status (2.2.3.177.9)', () => {
  it('pins the values', () => {
    expect(MEETING_RESPONSE_STATUS).toEqual({
      Success: 1,
      InvalidMeetingRequest: 2,
      MailboxError: 3,
      ServerError: 4,
    });
  });
});

describe('ValidateCert Status (2.2.3.177.18)', () => {
  it('pins the values, 1 through 17', () => {
    expect(Object.values(VALIDATE_CERT_STATUS)).toEqual(Array.from({ length: 17 }, (_, n) => n + 1));
    expect(VALIDATE_CERT_STATUS.RevocationUnknown).toBe(16);
    expect(VALIDATE_CERT_STATUS.InvalidChain).toBe(5);
  });
});

describe('Find Status (2.2.3.177.2)', () => {
  it('pins the values the gateway sends', () => {
    expect(FIND_STATUS).toEqual({ Success: 1, InvalidRequest: 2 });
  });
});

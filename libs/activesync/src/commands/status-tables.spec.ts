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

/** A status table as the specification lists it: "1 Success, 2 ProtocolError, …". */
function pinned(list: string): Record<string, number> {
  return Object.fromEntries(
    list.split(', ').map((entry) => {
      const [value, name] = entry.split(' ');
      return [name!, Number(value)];
    }),
  );
}

describe('ItemOperations Status (2.2.3.177.8)', () => {
  it('pins the values, 18 being credentials required and 156 action not supported', () => {
    expect(ITEM_OPERATIONS_STATUS).toEqual(
      pinned(
        '1 Success, 2 ProtocolError, 3 ServerError, 4 DocumentLibraryBadUri, 5 DocumentLibraryAccessDenied, 6 ObjectNotFound, 7 DocumentLibraryConnectionFailed, 8 InvalidByteRange, 9 UnknownStore, 10 EmptyFile, 11 DataTooLarge, 12 IoFailure, 14 ConversionFailure, 15 InvalidAttachment, 16 ResourceAccessDenied, 17 PartialSuccess, 18 CredentialsRequired, 156 ActionNotSupported',
      ),
    );
  });
});

describe('Sync Status (2.2.3.177.17)', () => {
  it('pins the values, for the request and for each collection and item', () => {
    expect(SYNC_STATUS).toEqual(
      pinned(
        '1 Success, 3 InvalidSyncKey, 4 ProtocolError, 5 ServerError, 6 ConversionError, 7 Conflict, 8 ObjectNotFound, 9 OutOfSpace, 12 FolderHierarchyChanged, 13 IncompleteRequest, 14 InvalidWaitOrHeartbeat, 15 TooManyCollections, 16 Retry',
      ),
    );
  });
});

describe('FolderSync Status (2.2.3.177.5)', () => {
  it('pins the values', () => {
    expect(FOLDER_SYNC_STATUS).toEqual(
      pinned('1 Success, 6 ServerError, 9 InvalidSyncKey, 10 ProtocolError, 11 UnknownError, 12 CodeUnknown'),
    );
  });
});

describe('FolderCreate Status (2.2.3.177.3)', () => {
  it('pins the values; there is no 4', () => {
    expect(FOLDER_CREATE_STATUS).toEqual(
      pinned(
        '1 Success, 2 AlreadyExists, 3 SpecialParent, 5 ParentNotFound, 6 ServerError, 9 InvalidSyncKey, 10 BadRequest, 11 UnknownError, 12 CodeUnknown',
      ),
    );
    expect(Object.values(FOLDER_CREATE_STATUS)).not.toContain(4);
  });
});

describe('FolderUpdate Status (2.2.3.177.6)', () => {
  it('pins the values: a special folder is 2, and 3 only the Recipient information cache', () => {
    expect(FOLDER_UPDATE_STATUS).toEqual(
      pinned(
        '1 Success, 2 ExistsOrSpecialFolder, 3 RecipientInformationFolder, 4 NotFound, 5 ParentNotFound, 6 ServerError, 9 InvalidSyncKey, 10 BadRequest, 11 UnknownError',
      ),
    );
  });
});

describe('FolderDelete Status (2.2.3.177.4)', () => {
  it('pins the values; there is no 2 or 5', () => {
    expect(FOLDER_DELETE_STATUS).toEqual(
      pinned(
        '1 Success, 3 SpecialFolder, 4 NotFound, 6 ServerError, 9 InvalidSyncKey, 10 BadRequest, 11 UnknownError',
      ),
    );
    expect(Object.values(FOLDER_DELETE_STATUS)).not.toContain(2);
    expect(Object.values(FOLDER_DELETE_STATUS)).not.toContain(5);
  });
});

describe('Ping Status (2.2.3.177.11)', () => {
  it('pins the values', () => {
    expect(PING_STATUS).toEqual(
      pinned(
        '1 Expired, 2 ChangesFound, 3 MissingParameters, 4 ProtocolError, 5 InvalidHeartbeatInterval, 6 TooManyFolders, 7 FolderSyncRequired, 8 ServerError',
      ),
    );
  });
});

describe('Provision Status ([MS-ASPROV] 2.2.2.54)', () => {
  it('pins the Provision and the Policy values', () => {
    expect(PROVISION_STATUS).toEqual({ Success: 1, ProtocolError: 2, ServerError: 3 });
    expect(POLICY_STATUS).toEqual(
      pinned('1 Success, 2 NoPolicy, 3 UnknownPolicyType, 4 PolicyCorrupt, 5 WrongPolicyKey'),
    );
  });
});

describe('Settings Status (2.2.3.177.15)', () => {
  it('pins the values (Oof and DeviceInformation use them too)', () => {
    expect(SETTINGS_STATUS).toEqual(
      pinned(
        '1 Success, 2 ProtocolError, 3 AccessDenied, 4 ServerUnavailable, 5 InvalidArguments, 6 ConflictingArguments, 7 DeniedByPolicy',
      ),
    );
  });
});

describe('Search Status (2.2.3.177.13)', () => {
  it('pins the values', () => {
    expect(SEARCH_STATUS).toEqual(
      pinned(
        '1 Success, 2 InvalidRequest, 3 ServerError, 4 BadLink, 5 AccessDenied, 6 NotFound, 7 ConnectionFailed, 8 TooComplex, 10 TimedOut, 11 FolderSyncRequired, 12 EndOfRange, 13 AccessBlocked, 14 CredentialsRequired',
      ),
    );
  });
});

describe('MoveItems Status (2.2.3.177.10)', () => {
  it('pins the values: 3 is success, 1 and 2 invalid source and destination', () => {
    expect(MOVE_ITEMS_STATUS).toEqual(
      pinned(
        '1 InvalidSource, 2 InvalidDestination, 3 Success, 4 SameSourceAndDestination, 5 Failure, 7 Locked',
      ),
    );
  });
});

describe('GetItemEstimate Status (2.2.3.177.7)', () => {
  it('pins the values', () => {
    expect(GET_ITEM_ESTIMATE_STATUS).toEqual(
      pinned('1 Success, 2 InvalidCollection, 3 SyncStateNotPrimed, 4 InvalidSyncKey'),
    );
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
    expect(RESOLVE_RECIPIENT_STATUS).toEqual(
      pinned('1 Success, 2 Ambiguous, 3 AmbiguousPartial, 4 Unresolved'),
    );
  });
});

describe('MeetingResponse Status (2.2.3.177.9)', () => {
  it('pins the values', () => {
    expect(MEETING_RESPONSE_STATUS).toEqual(
      pinned('1 Success, 2 InvalidMeetingRequest, 3 MailboxError, 4 ServerError'),
    );
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

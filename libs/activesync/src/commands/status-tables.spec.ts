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

/**
 * The tables pinned whole: each as the specification lists it, with the values it leaves out on
 * purpose named again, so that a gap is not filled by mistake.
 */
const listedTables: Array<{
  title: string;
  behaviour: string;
  pins: Array<[table: Record<string, number>, listed: string]>;
  absent?: number[];
}> = [
  {
    title: 'ItemOperations Status (2.2.3.177.8)',
    behaviour: 'pins the values, 18 being credentials required and 156 action not supported',
    pins: [
      [
        ITEM_OPERATIONS_STATUS,
        '1 Success, 2 ProtocolError, 3 ServerError, 4 DocumentLibraryBadUri, 5 DocumentLibraryAccessDenied, 6 ObjectNotFound, 7 DocumentLibraryConnectionFailed, 8 InvalidByteRange, 9 UnknownStore, 10 EmptyFile, 11 DataTooLarge, 12 IoFailure, 14 ConversionFailure, 15 InvalidAttachment, 16 ResourceAccessDenied, 17 PartialSuccess, 18 CredentialsRequired, 156 ActionNotSupported',
      ],
    ],
  },
  {
    title: 'Sync Status (2.2.3.177.17)',
    behaviour: 'pins the values, for the request and for each collection and item',
    pins: [
      [
        SYNC_STATUS,
        '1 Success, 3 InvalidSyncKey, 4 ProtocolError, 5 ServerError, 6 ConversionError, 7 Conflict, 8 ObjectNotFound, 9 OutOfSpace, 12 FolderHierarchyChanged, 13 IncompleteRequest, 14 InvalidWaitOrHeartbeat, 15 TooManyCollections, 16 Retry',
      ],
    ],
  },
  {
    title: 'FolderSync Status (2.2.3.177.5)',
    behaviour: 'pins the values',
    pins: [
      [
        FOLDER_SYNC_STATUS,
        '1 Success, 6 ServerError, 9 InvalidSyncKey, 10 ProtocolError, 11 UnknownError, 12 CodeUnknown',
      ],
    ],
  },
  {
    title: 'FolderCreate Status (2.2.3.177.3)',
    behaviour: 'pins the values; there is no 4',
    pins: [
      [
        FOLDER_CREATE_STATUS,
        '1 Success, 2 AlreadyExists, 3 SpecialParent, 5 ParentNotFound, 6 ServerError, 9 InvalidSyncKey, 10 BadRequest, 11 UnknownError, 12 CodeUnknown',
      ],
    ],
    absent: [4],
  },
  {
    title: 'FolderUpdate Status (2.2.3.177.6)',
    behaviour: 'pins the values: a special folder is 2, and 3 only the Recipient information cache',
    pins: [
      [
        FOLDER_UPDATE_STATUS,
        '1 Success, 2 ExistsOrSpecialFolder, 3 RecipientInformationFolder, 4 NotFound, 5 ParentNotFound, 6 ServerError, 9 InvalidSyncKey, 10 BadRequest, 11 UnknownError',
      ],
    ],
  },
  {
    title: 'FolderDelete Status (2.2.3.177.4)',
    behaviour: 'pins the values; there is no 2 or 5',
    pins: [
      [
        FOLDER_DELETE_STATUS,
        '1 Success, 3 SpecialFolder, 4 NotFound, 6 ServerError, 9 InvalidSyncKey, 10 BadRequest, 11 UnknownError',
      ],
    ],
    absent: [2, 5],
  },
  {
    title: 'Ping Status (2.2.3.177.11)',
    behaviour: 'pins the values',
    pins: [
      [
        PING_STATUS,
        '1 Expired, 2 ChangesFound, 3 MissingParameters, 4 ProtocolError, 5 InvalidHeartbeatInterval, 6 TooManyFolders, 7 FolderSyncRequired, 8 ServerError',
      ],
    ],
  },
  {
    title: 'Settings Status (2.2.3.177.15)',
    behaviour: 'pins the values (Oof and DeviceInformation use them too)',
    pins: [
      [
        SETTINGS_STATUS,
        '1 Success, 2 ProtocolError, 3 AccessDenied, 4 ServerUnavailable, 5 InvalidArguments, 6 ConflictingArguments, 7 DeniedByPolicy',
      ],
    ],
  },
  {
    title: 'Search Status (2.2.3.177.13)',
    behaviour: 'pins the values',
    pins: [
      [
        SEARCH_STATUS,
        '1 Success, 2 InvalidRequest, 3 ServerError, 4 BadLink, 5 AccessDenied, 6 NotFound, 7 ConnectionFailed, 8 TooComplex, 10 TimedOut, 11 FolderSyncRequired, 12 EndOfRange, 13 AccessBlocked, 14 CredentialsRequired',
      ],
    ],
  },
  {
    title: 'MoveItems Status (2.2.3.177.10)',
    behaviour: 'pins the values: 3 is success, 1 and 2 invalid source and destination',
    pins: [
      [
        MOVE_ITEMS_STATUS,
        '1 InvalidSource, 2 InvalidDestination, 3 Success, 4 SameSourceAndDestination, 5 Failure, 7 Locked',
      ],
    ],
  },
  {
    title: 'GetItemEstimate Status (2.2.3.177.7)',
    behaviour: 'pins the values',
    pins: [
      [GET_ITEM_ESTIMATE_STATUS, '1 Success, 2 InvalidCollection, 3 SyncStateNotPrimed, 4 InvalidSyncKey'],
    ],
  },
  {
    title: 'MeetingResponse Status (2.2.3.177.9)',
    behaviour: 'pins the values',
    pins: [[MEETING_RESPONSE_STATUS, '1 Success, 2 InvalidMeetingRequest, 3 MailboxError, 4 ServerError']],
  },
  {
    title: 'Provision Status ([MS-ASPROV] 2.2.2.54)',
    behaviour: 'pins the Provision and the Policy values',
    pins: [
      [PROVISION_STATUS, '1 Success, 2 ProtocolError, 3 ServerError'],
      [POLICY_STATUS, '1 Success, 2 NoPolicy, 3 UnknownPolicyType, 4 PolicyCorrupt, 5 WrongPolicyKey'],
    ],
  },
  {
    title: 'ResolveRecipients Status (2.2.3.177.12)',
    behaviour: 'pins the command values and the per-recipient values',
    pins: [
      [RESOLVE_RECIPIENTS_STATUS, '1 Success, 5 ProtocolError, 6 ServerError'],
      [RESOLVE_RECIPIENT_STATUS, '1 Success, 2 Ambiguous, 3 AmbiguousPartial, 4 Unresolved'],
    ],
  },
  {
    title: 'Find Status (2.2.3.177.2)',
    behaviour: 'pins the values the gateway sends',
    pins: [[FIND_STATUS, '1 Success, 2 InvalidRequest']],
  },
];

describe.each(listedTables)('$title', ({ behaviour, pins, absent = [] }) => {
  it(behaviour, () => {
    for (const [table, listed] of pins) {
      expect(table).toEqual(pinned(listed));
      for (const value of absent) expect(Object.values(table)).not.toContain(value);
    }
  });
});

describe('SendMail / SmartReply / SmartForward Status (2.2.3.177.14, .16: the common values of 2.2.2)', () => {
  it('pins the common values the gateway answers a refused message with', () => {
    const listed = pinned(
      '103 InvalidXML, 105 InvalidCombinationOfIDs, 107 InvalidMIME, 110 ServerError, 113 MailboxQuotaExceeded, 115 SendQuotaExceeded, 116 MessageRecipientUnresolved, 117 MessageReplyNotAllowed, 118 MessagePreviouslySent, 119 MessageHasNoRecipient, 120 MailSubmissionFailed, 121 MessageReplyFailed, 122 AttachmentIsTooLarge, 130 AccessDenied, 150 ItemNotFound',
    );
    const common: Record<string, number> = COMMON_STATUS;
    expect(Object.fromEntries(Object.keys(listed).map((name) => [name, common[name]]))).toEqual(listed);
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

describe('ValidateCert Status (2.2.3.177.18)', () => {
  it('pins the values, 1 through 17', () => {
    expect(Object.values(VALIDATE_CERT_STATUS)).toEqual(Array.from({ length: 17 }, (_, n) => n + 1));
    expect(VALIDATE_CERT_STATUS.RevocationUnknown).toBe(16);
    expect(VALIDATE_CERT_STATUS.InvalidChain).toBe(5);
  });
});

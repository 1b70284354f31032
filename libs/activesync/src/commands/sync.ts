// Sync ([MS-ASCMD] 2.2.1.21): the request read into a typed object, the response built from one.
import { children, el, type WbxmlElement, type WbxmlNode } from '../wbxml/wbxml.js';
import { type BodyPreference, readBodyPreferences, RequestReader } from './common.js';

/** Sync Status values ([MS-ASCMD] 2.2.3.177.17). */
export const SYNC_STATUS = {
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
} as const;

/** Wait is in minutes, HeartbeatInterval in seconds ([MS-ASCMD] 2.2.3.198, 2.2.3.88.2). */
export const SYNC_LIMITS = {
  minWaitMinutes: 1,
  maxWaitMinutes: 59,
  minHeartbeatSeconds: 60,
  maxHeartbeatSeconds: 3540,
  maxWindowSize: 512,
  maxCollections: 1000,
  maxCommands: 10_000,
} as const;

export interface SyncOptions {
  /** The class these options apply to (Email, Calendar, Contacts, Tasks, Notes, SMS); absent: the folder's. */
  className?: string;
  filterType?: number;
  bodyPreferences: BodyPreference[];
  bodyPartPreferences: BodyPreference[];
  mimeSupport?: number;
  mimeTruncation?: number;
  conflict?: number;
  maxItems?: number;
}

export type SyncClientCommand =
  | { kind: 'add'; clientId: string; className?: string; applicationData: WbxmlElement }
  | { kind: 'change'; serverId: string; applicationData: WbxmlElement }
  | { kind: 'delete'; serverId: string }
  | { kind: 'fetch'; serverId: string };

export interface SyncCollectionRequest {
  syncKey: string;
  collectionId: string;
  deletesAsMoves?: boolean;
  getChanges?: boolean;
  windowSize?: number;
  conversationMode?: boolean;
  options: SyncOptions[];
  commands: SyncClientCommand[];
}

export interface SyncRequest {
  collections: SyncCollectionRequest[];
  /** Minutes to hold the request open waiting for changes. */
  wait?: number;
  /** Seconds to hold the request open waiting for changes. */
  heartbeatInterval?: number;
  windowSize?: number;
  partial: boolean;
}

const r = new RequestReader('Sync', SYNC_STATUS.ProtocolError);

function readOptions(options: WbxmlElement): SyncOptions {
  const result: SyncOptions = {
    bodyPreferences: readBodyPreferences(r, options),
    bodyPartPreferences: readBodyPreferences(r, options, 'BodyPartPreference'),
  };
  const className = r.optionalText(options, 'Class', 'AirSync', 16);
  if (className !== undefined) result.className = className;
  const filterType = r.integer(options, 'FilterType', 'AirSync', 0, 8);
  if (filterType !== undefined) result.filterType = filterType;
  const mimeSupport = r.integer(options, 'MIMESupport', 'AirSync', 0, 2);
  if (mimeSupport !== undefined) result.mimeSupport = mimeSupport;
  const mimeTruncation = r.integer(options, 'MIMETruncation', 'AirSync', 0, 8);
  if (mimeTruncation !== undefined) result.mimeTruncation = mimeTruncation;
  const conflict = r.integer(options, 'Conflict', 'AirSync', 0, 1);
  if (conflict !== undefined) result.conflict = conflict;
  const maxItems = r.integer(options, 'MaxItems', 'AirSync', 1, 0xffffffff);
  if (maxItems !== undefined) result.maxItems = maxItems;
  return result;
}

function readCommand(command: WbxmlElement): SyncClientCommand {
  if (command.page !== 'AirSync') r.fail(`${command.tag} is not a Sync command`);
  switch (command.tag) {
    case 'Add': {
      const add: SyncClientCommand = {
        kind: 'add',
        clientId: r.requiredText(command, 'ClientId', 'AirSync', 64),
        applicationData: r.required(command, 'ApplicationData', 'AirSync'),
      };
      const className = r.optionalText(command, 'Class', 'AirSync', 16);
      if (className !== undefined) add.className = className;
      return add;
    }
    case 'Change':
      return {
        kind: 'change',
        serverId: r.requiredText(command, 'ServerId', 'AirSync', 64),
        applicationData: r.required(command, 'ApplicationData', 'AirSync'),
      };
    case 'Delete':
      return { kind: 'delete', serverId: r.requiredText(command, 'ServerId', 'AirSync', 64) };
    case 'Fetch':
      return { kind: 'fetch', serverId: r.requiredText(command, 'ServerId', 'AirSync', 64) };
    default:
      return r.fail(`${command.tag} is not a Sync command`);
  }
}

function readCollection(collection: WbxmlElement): SyncCollectionRequest {
  const result: SyncCollectionRequest = {
    syncKey: r.requiredText(collection, 'SyncKey', 'AirSync', 64),
    collectionId: r.requiredText(collection, 'CollectionId', 'AirSync', 64),
    options: children(collection, 'Options', 'AirSync').map(readOptions),
    commands: [],
  };
  const deletesAsMoves = r.flag(collection, 'DeletesAsMoves', 'AirSync');
  if (deletesAsMoves !== undefined) result.deletesAsMoves = deletesAsMoves;
  const getChanges = r.flag(collection, 'GetChanges', 'AirSync');
  if (getChanges !== undefined) result.getChanges = getChanges;
  const conversationMode = r.flag(collection, 'ConversationMode', 'AirSync');
  if (conversationMode !== undefined) result.conversationMode = conversationMode;
  const windowSize = r.integer(collection, 'WindowSize', 'AirSync', 0, 0xffffffff);
  if (windowSize !== undefined) result.windowSize = clampWindow(windowSize);
  const commands = r.one(collection, 'Commands', 'AirSync');
  if (commands) {
    const list = commands.children.filter((c): c is WbxmlElement => typeof c === 'object' && 'tag' in c);
    if (list.length > SYNC_LIMITS.maxCommands) r.fail(`more than ${SYNC_LIMITS.maxCommands} commands`);
    result.commands = list.map(readCommand);
  }
  return result;
}

// A WindowSize above 512 counts as 512 ([MS-ASCMD] 2.2.3.199); zero asks for nothing and is an error.
function clampWindow(size: number): number {
  if (size === 0) r.fail('WindowSize is 0');
  return Math.min(size, SYNC_LIMITS.maxWindowSize);
}

/** Reads a Sync request; throws ActiveSyncCommandError with Sync's Status for a malformed one. */
export function readSyncRequest(root: WbxmlElement): SyncRequest {
  r.root(root, 'AirSync', 'Sync');
  const wait = r.integer(root, 'Wait', 'AirSync', 0, 0xffffffff);
  const heartbeat = r.integer(root, 'HeartbeatInterval', 'AirSync', 0, 0xffffffff);
  if (wait !== undefined && heartbeat !== undefined)
    r.fail('Wait and HeartbeatInterval are mutually exclusive');
  if (wait !== undefined && (wait < SYNC_LIMITS.minWaitMinutes || wait > SYNC_LIMITS.maxWaitMinutes)) {
    r.fail(
      'Wait is out of range',
      SYNC_STATUS.InvalidWaitOrHeartbeat,
      wait < SYNC_LIMITS.minWaitMinutes ? SYNC_LIMITS.minWaitMinutes : SYNC_LIMITS.maxWaitMinutes,
    );
  }
  if (
    heartbeat !== undefined &&
    (heartbeat < SYNC_LIMITS.minHeartbeatSeconds || heartbeat > SYNC_LIMITS.maxHeartbeatSeconds)
  ) {
    r.fail(
      'HeartbeatInterval is out of range',
      SYNC_STATUS.InvalidWaitOrHeartbeat,
      heartbeat < SYNC_LIMITS.minHeartbeatSeconds
        ? SYNC_LIMITS.minHeartbeatSeconds
        : SYNC_LIMITS.maxHeartbeatSeconds,
    );
  }
  const collections = r.one(root, 'Collections', 'AirSync');
  const list = collections ? children(collections, 'Collection', 'AirSync') : [];
  if (list.length > SYNC_LIMITS.maxCollections) {
    r.fail(`more than ${SYNC_LIMITS.maxCollections} collections`, SYNC_STATUS.TooManyCollections);
  }
  const request: SyncRequest = {
    collections: list.map(readCollection),
    partial: r.flag(root, 'Partial', 'AirSync') ?? false,
  };
  if (wait !== undefined) request.wait = wait;
  if (heartbeat !== undefined) request.heartbeatInterval = heartbeat;
  const windowSize = r.integer(root, 'WindowSize', 'AirSync', 0, 0xffffffff);
  if (windowSize !== undefined) request.windowSize = clampWindow(windowSize);
  return request;
}

export type SyncServerCommand =
  | { kind: 'add'; serverId: string; applicationData: WbxmlNode[] }
  | { kind: 'change'; serverId: string; applicationData: WbxmlNode[] }
  | { kind: 'delete'; serverId: string }
  | { kind: 'softDelete'; serverId: string };

export type SyncReply =
  | { kind: 'add'; clientId: string; serverId?: string; status: number; className?: string }
  | { kind: 'change'; serverId: string; status: number }
  | { kind: 'delete'; serverId: string; status: number }
  | { kind: 'fetch'; serverId: string; status: number; applicationData?: WbxmlNode[] };

export interface SyncCollectionResponse {
  className?: string;
  syncKey: string;
  collectionId: string;
  status: number;
  moreAvailable?: boolean;
  commands?: SyncServerCommand[];
  responses?: SyncReply[];
}

export type SyncResponse =
  | { collections: SyncCollectionResponse[] }
  /** A request-level failure; `limit` goes with Status 14. */
  | { status: number; limit?: number };

function serverCommand(command: SyncServerCommand): WbxmlElement {
  switch (command.kind) {
    case 'add':
    case 'change':
      return el(
        'AirSync',
        command.kind === 'add' ? 'Add' : 'Change',
        el('AirSync', 'ServerId', command.serverId),
        el('AirSync', 'ApplicationData', command.applicationData),
      );
    case 'delete':
      return el('AirSync', 'Delete', el('AirSync', 'ServerId', command.serverId));
    case 'softDelete':
      return el('AirSync', 'SoftDelete', el('AirSync', 'ServerId', command.serverId));
  }
}

function reply(entry: SyncReply): WbxmlElement {
  switch (entry.kind) {
    case 'add':
      return el(
        'AirSync',
        'Add',
        entry.className !== undefined && el('AirSync', 'Class', entry.className),
        el('AirSync', 'ClientId', entry.clientId),
        entry.serverId !== undefined && el('AirSync', 'ServerId', entry.serverId),
        el('AirSync', 'Status', String(entry.status)),
      );
    case 'change':
    case 'delete':
      return el(
        'AirSync',
        entry.kind === 'change' ? 'Change' : 'Delete',
        el('AirSync', 'ServerId', entry.serverId),
        el('AirSync', 'Status', String(entry.status)),
      );
    case 'fetch':
      return el(
        'AirSync',
        'Fetch',
        el('AirSync', 'ServerId', entry.serverId),
        el('AirSync', 'Status', String(entry.status)),
        entry.applicationData !== undefined && el('AirSync', 'ApplicationData', entry.applicationData),
      );
  }
}

/** Builds a Sync response in the element order [MS-ASCMD] requires. */
export function buildSyncResponse(response: SyncResponse): WbxmlElement {
  if ('status' in response) {
    return el(
      'AirSync',
      'Sync',
      el('AirSync', 'Status', String(response.status)),
      response.limit !== undefined && el('AirSync', 'Limit', String(response.limit)),
    );
  }
  return el(
    'AirSync',
    'Sync',
    el(
      'AirSync',
      'Collections',
      response.collections.map((c) =>
        el(
          'AirSync',
          'Collection',
          c.className !== undefined && el('AirSync', 'Class', c.className),
          el('AirSync', 'SyncKey', c.syncKey),
          el('AirSync', 'CollectionId', c.collectionId),
          el('AirSync', 'Status', String(c.status)),
          c.moreAvailable === true && el('AirSync', 'MoreAvailable'),
          c.commands !== undefined &&
            c.commands.length > 0 &&
            el('AirSync', 'Commands', c.commands.map(serverCommand)),
          c.responses !== undefined &&
            c.responses.length > 0 &&
            el('AirSync', 'Responses', c.responses.map(reply)),
        ),
      ),
    ),
  );
}

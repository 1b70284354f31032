// ItemOperations ([MS-ASCMD] 2.2.1.10): fetching items and attachments, emptying folders, moving
// conversations.
import { el, type WbxmlElement, type WbxmlNode } from '../wbxml/wbxml.js';
import { type BodyPreference, readBodyPreferences, RequestReader } from './common.js';

/** ItemOperations Status values ([MS-ASCMD] 2.2.3.177.8). */
export const ITEM_OPERATIONS_STATUS = {
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
  /** The resource needs credentials the device did not give: a phone may prompt for a password. */
  CredentialsRequired: 18,
  /** The requested action (e.g. Move, EmptyFolderContents) is not supported. */
  ActionNotSupported: 156,
} as const;

export const MAX_ITEM_OPERATIONS = 100;

export interface FetchOperation {
  kind: 'fetch';
  store: string;
  serverId?: string;
  collectionId?: string;
  fileReference?: string;
  longId?: string;
  linkId?: string;
  /** Byte range of an attachment or document: [first, last]. */
  range?: [number, number];
  mimeSupport?: number;
  bodyPreferences: BodyPreference[];
  bodyPartPreferences: BodyPreference[];
}

export type ItemOperation =
  | FetchOperation
  | { kind: 'emptyFolderContents'; collectionId: string; deleteSubFolders: boolean }
  | { kind: 'move'; conversationId: Buffer; dstFldId: string; moveAlways: boolean };

export interface ItemOperationsRequest {
  operations: ItemOperation[];
}

const r = new RequestReader('ItemOperations', ITEM_OPERATIONS_STATUS.ProtocolError);

function readRange(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^([0-9]{1,10})-([0-9]{1,10})$/.exec(text);
  if (!match) return r.fail('Range is not "first-last"', ITEM_OPERATIONS_STATUS.InvalidByteRange);
  const range: [number, number] = [Number(match[1]), Number(match[2])];
  if (range[0] > range[1]) r.fail('Range ends before it starts', ITEM_OPERATIONS_STATUS.InvalidByteRange);
  return range;
}

function readFetch(fetch: WbxmlElement): FetchOperation {
  const op: FetchOperation = {
    kind: 'fetch',
    store: r.requiredText(fetch, 'Store', 'ItemOperations', 32),
    bodyPreferences: [],
    bodyPartPreferences: [],
  };
  const ids = [
    ['serverId', r.optionalText(fetch, 'ServerId', 'AirSync', 64)],
    ['collectionId', r.optionalText(fetch, 'CollectionId', 'AirSync', 64)],
    ['fileReference', r.optionalText(fetch, 'FileReference', 'AirSyncBase', 256)],
    ['longId', r.optionalText(fetch, 'LongId', 'Search', 256)],
    ['linkId', r.optionalText(fetch, 'LinkId', 'DocumentLibrary', 2048)],
  ] as const;
  for (const [field, value] of ids) if (value !== undefined) op[field] = value;
  if (op.fileReference === '') r.fail('FileReference is empty', ITEM_OPERATIONS_STATUS.InvalidAttachment);
  if (!op.serverId && !op.fileReference && !op.longId && !op.linkId) {
    r.fail('Fetch names no item, attachment, search result or document');
  }
  const options = r.one(fetch, 'Options', 'ItemOperations');
  if (options) {
    const range = readRange(r.optionalText(options, 'Range', 'ItemOperations', 32));
    if (range) op.range = range;
    const mime = r.integer(options, 'MIMESupport', 'AirSync', 0, 2);
    if (mime !== undefined) op.mimeSupport = mime;
    op.bodyPreferences = readBodyPreferences(r, options);
    op.bodyPartPreferences = readBodyPreferences(r, options, 'BodyPartPreference');
  }
  return op;
}

/** Reads an ItemOperations request; throws ActiveSyncCommandError with Status 2 for a malformed one. */
export function readItemOperationsRequest(root: WbxmlElement): ItemOperationsRequest {
  r.root(root, 'ItemOperations', 'ItemOperations');
  const operations: ItemOperation[] = [];
  for (const node of root.children) {
    if (typeof node === 'string' || node instanceof Uint8Array) continue;
    if (operations.length >= MAX_ITEM_OPERATIONS) r.fail(`more than ${MAX_ITEM_OPERATIONS} operations`);
    if (node.page !== 'ItemOperations') r.fail(`${node.tag} is not an ItemOperations operation`);
    if (node.tag === 'Fetch') operations.push(readFetch(node));
    else if (node.tag === 'EmptyFolderContents') {
      const options = r.one(node, 'Options', 'ItemOperations');
      operations.push({
        kind: 'emptyFolderContents',
        collectionId: r.requiredText(node, 'CollectionId', 'AirSync', 64),
        deleteSubFolders: options ? r.flag(options, 'DeleteSubFolders', 'ItemOperations') === true : false,
      });
    } else if (node.tag === 'Move') {
      const options = r.one(node, 'Options', 'ItemOperations');
      operations.push({
        kind: 'move',
        conversationId:
          r.bytes(r.required(node, 'ConversationId', 'ItemOperations'), 'ConversationId', 64) ??
          r.fail('Move lacks ConversationId'),
        dstFldId: r.requiredText(node, 'DstFldId', 'ItemOperations', 64),
        moveAlways: options ? r.flag(options, 'MoveAlways', 'ItemOperations') === true : false,
      });
    } else r.fail(`${node.tag} is not an ItemOperations operation`);
  }
  if (operations.length === 0) r.fail('ItemOperations holds no operation');
  return { operations };
}

export type ItemOperationResult =
  | {
      kind: 'fetch';
      status: number;
      serverId?: string;
      collectionId?: string;
      fileReference?: string;
      longId?: string;
      className?: string;
      /** Children of Properties: an item's ApplicationData fields or an attachment's content. */
      properties?: WbxmlNode[];
    }
  | { kind: 'emptyFolderContents'; status: number; collectionId: string }
  | { kind: 'move'; status: number; conversationId: Uint8Array };

export interface ItemOperationsResponse {
  status: number;
  results: ItemOperationResult[];
}

/**
 * The Properties of a fetched attachment: inline, base64 in Data; multipart, the number of the
 * part that carries it (MS-ASAcceptMultiPart).
 */
export function attachmentProperties(attachment: {
  contentType: string;
  data?: Uint8Array;
  part?: number;
  range?: [number, number];
  total?: number;
}): WbxmlNode[] {
  return [
    el('AirSyncBase', 'ContentType', attachment.contentType),
    attachment.range !== undefined &&
      el('ItemOperations', 'Range', `${attachment.range[0]}-${attachment.range[1]}`),
    attachment.total !== undefined && el('ItemOperations', 'Total', String(attachment.total)),
    attachment.data !== undefined &&
      el('ItemOperations', 'Data', Buffer.from(attachment.data).toString('base64')),
    attachment.part !== undefined && el('ItemOperations', 'Part', String(attachment.part)),
  ].filter((node): node is WbxmlElement => node !== false);
}

function result(entry: ItemOperationResult): WbxmlElement {
  switch (entry.kind) {
    case 'fetch':
      return el(
        'ItemOperations',
        'Fetch',
        el('ItemOperations', 'Status', String(entry.status)),
        entry.collectionId !== undefined && el('AirSync', 'CollectionId', entry.collectionId),
        entry.serverId !== undefined && el('AirSync', 'ServerId', entry.serverId),
        entry.fileReference !== undefined && el('AirSyncBase', 'FileReference', entry.fileReference),
        entry.longId !== undefined && el('Search', 'LongId', entry.longId),
        entry.className !== undefined && el('AirSync', 'Class', entry.className),
        entry.properties !== undefined && el('ItemOperations', 'Properties', entry.properties),
      );
    case 'emptyFolderContents':
      return el(
        'ItemOperations',
        'EmptyFolderContents',
        el('ItemOperations', 'Status', String(entry.status)),
        el('AirSync', 'CollectionId', entry.collectionId),
      );
    case 'move':
      return el(
        'ItemOperations',
        'Move',
        el('ItemOperations', 'Status', String(entry.status)),
        el('ItemOperations', 'ConversationId', entry.conversationId),
      );
  }
}

export function buildItemOperationsResponse(response: ItemOperationsResponse): WbxmlElement {
  return el(
    'ItemOperations',
    'ItemOperations',
    el('ItemOperations', 'Status', String(response.status)),
    response.results.length > 0 && el('ItemOperations', 'Response', response.results.map(result)),
  );
}

// Search ([MS-ASCMD] 2.2.1.16): the global address list and the mailbox.
import { children, el, textOf, type WbxmlElement, type WbxmlNode } from '../wbxml/wbxml.js';
import { type BodyPreference, readBodyPreferences, RequestReader } from './common.js';

/** Search Status values ([MS-ASCMD] 2.2.3.177.13). */
export const SEARCH_STATUS = {
  Success: 1,
  InvalidRequest: 2,
  ServerError: 3,
  BadLink: 4,
  /**
   * Access denied: the gateway's Store Status for a mailbox search of a quarantined device. Not 2
   * (the request is valid) and not 3 (a server error, which a phone retries).
   */
  AccessDenied: 5,
  NotFound: 6,
  ConnectionFailed: 7,
  TooComplex: 8,
  TimedOut: 10,
  FolderSyncRequired: 11,
  EndOfRange: 12,
  AccessBlocked: 13,
  CredentialsRequired: 14,
} as const;

export const MAX_SEARCH_RANGE = 1000;

export interface MailboxQuery {
  freeText?: string;
  classes: string[];
  collectionIds: string[];
  conversationId?: Buffer;
  /** email:DateReceived bounds, as sent (ISO 8601). */
  receivedAfter?: string;
  receivedBefore?: string;
}

export interface SearchRequest {
  store: 'Mailbox' | 'GAL' | 'DocumentLibrary';
  /** GAL: the text to look up. */
  galQuery?: string;
  mailboxQuery?: MailboxQuery;
  range?: [number, number];
  deepTraversal: boolean;
  rebuildResults: boolean;
  bodyPreferences: BodyPreference[];
  /** GAL pictures wanted: the most bytes per picture and the most pictures. */
  picture?: { maxSize?: number; maxPictures?: number };
}

const r = new RequestReader('Search', SEARCH_STATUS.InvalidRequest);
const STORES = new Set(['Mailbox', 'GAL', 'DocumentLibrary']);

function readRange(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^([0-9]{1,6})-([0-9]{1,6})$/.exec(text);
  if (!match) return r.fail('Range is not "first-last"');
  const range: [number, number] = [Number(match[1]), Number(match[2])];
  if (range[0] > range[1] || range[1] - range[0] >= MAX_SEARCH_RANGE) r.fail('Range is reversed or too wide');
  return range;
}

function dateBound(e: WbxmlElement, tag: 'GreaterThan' | 'LessThan'): string | undefined {
  const bound = r.one(e, tag, 'Search');
  if (!bound) return undefined;
  r.required(bound, 'DateReceived', 'Email');
  return r.requiredText(bound, 'Value', 'Search', 64);
}

function readMailboxQuery(query: WbxmlElement): MailboxQuery {
  const and = r.one(query, 'And', 'Search') ?? query;
  const result: MailboxQuery = {
    classes: children(and, 'Class', 'AirSync').map((c) => r.text(c, 'Class', 16)!),
    collectionIds: children(and, 'CollectionId', 'AirSync').map((c) => r.text(c, 'CollectionId', 64)!),
  };
  const freeText = r.optionalText(and, 'FreeText', 'Search', 1024);
  if (freeText !== undefined) result.freeText = freeText;
  const conversation = r.one(and, 'ConversationId', 'Search');
  if (conversation) result.conversationId = r.bytes(conversation, 'ConversationId', 64)!;
  const after = dateBound(and, 'GreaterThan');
  if (after !== undefined) result.receivedAfter = after;
  const before = dateBound(and, 'LessThan');
  if (before !== undefined) result.receivedBefore = before;
  if (result.freeText === undefined && result.conversationId === undefined)
    r.fail('the query has no criterion');
  return result;
}

/** Reads a Search request; throws ActiveSyncCommandError with Status 2 for a malformed one. */
export function readSearchRequest(root: WbxmlElement): SearchRequest {
  r.root(root, 'Search', 'Search');
  const store = r.required(root, 'Store', 'Search');
  const name = r.requiredText(store, 'Name', 'Search', 32);
  if (!STORES.has(name)) r.fail(`unknown store ${name}`);
  const query = r.required(store, 'Query', 'Search');
  const request: SearchRequest = {
    store: name as SearchRequest['store'],
    deepTraversal: false,
    rebuildResults: false,
    bodyPreferences: [],
  };
  if (name === 'GAL') {
    const text = r.text(query, 'Query', 256) ?? '';
    if (text.trim() === '') r.fail('the GAL query is empty');
    request.galQuery = text;
  } else if (name === 'Mailbox') {
    request.mailboxQuery = readMailboxQuery(query);
  } else if (textOf(query) === undefined && query.children.length === 0) {
    r.fail('the query is empty');
  }
  const options = r.one(store, 'Options', 'Search');
  if (options) {
    const range = readRange(r.optionalText(options, 'Range', 'Search', 16));
    if (range) request.range = range;
    request.deepTraversal = r.flag(options, 'DeepTraversal', 'Search') === true;
    request.rebuildResults = r.flag(options, 'RebuildResults', 'Search') === true;
    request.bodyPreferences = readBodyPreferences(r, options);
    const picture = r.one(options, 'Picture', 'Search');
    if (picture) {
      request.picture = {};
      const maxSize = r.integer(picture, 'MaxSize', 'Search', 0, 0xffffffff);
      if (maxSize !== undefined) request.picture.maxSize = maxSize;
      const maxPictures = r.integer(picture, 'MaxPictures', 'Search', 0, 0xffffffff);
      if (maxPictures !== undefined) request.picture.maxPictures = maxPictures;
    }
  }
  return request;
}

export interface SearchResult {
  className?: string;
  longId?: string;
  collectionId?: string;
  /** Children of Properties: gal:* fields, or an item's ApplicationData fields. */
  properties: WbxmlNode[];
}

export interface SearchResponse {
  status: number;
  store?: { status: number; results: SearchResult[]; range?: [number, number]; total?: number };
}

export function buildSearchResponse(response: SearchResponse): WbxmlElement {
  const store = response.store;
  return el(
    'Search',
    'Search',
    el('Search', 'Status', String(response.status)),
    store !== undefined &&
      el(
        'Search',
        'Response',
        el(
          'Search',
          'Store',
          el('Search', 'Status', String(store.status)),
          // No match is answered with one empty Result.
          store.results.length === 0
            ? el('Search', 'Result')
            : store.results.map((result) =>
                el(
                  'Search',
                  'Result',
                  result.className !== undefined && el('AirSync', 'Class', result.className),
                  result.longId !== undefined && el('Search', 'LongId', result.longId),
                  result.collectionId !== undefined && el('AirSync', 'CollectionId', result.collectionId),
                  el('Search', 'Properties', result.properties),
                ),
              ),
          store.range !== undefined && el('Search', 'Range', `${store.range[0]}-${store.range[1]}`),
          store.total !== undefined && el('Search', 'Total', String(store.total)),
        ),
      ),
  );
}

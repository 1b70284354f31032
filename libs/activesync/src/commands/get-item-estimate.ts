// GetItemEstimate ([MS-ASCMD] 2.2.1.9): how many items a Sync would bring, per collection.
import { children, el, type WbxmlElement } from '../wbxml/wbxml.js';
import { RequestReader } from './common.js';

/** GetItemEstimate Status values ([MS-ASCMD] 2.2.3.177.7). */
export const GET_ITEM_ESTIMATE_STATUS = {
  Success: 1,
  InvalidCollection: 2,
  SyncStateNotPrimed: 3,
  InvalidSyncKey: 4,
} as const;

export interface GetItemEstimateCollection {
  syncKey: string;
  collectionId: string;
  conversationMode?: boolean;
  filterType?: number;
  className?: string;
  maxItems?: number;
}

export interface GetItemEstimateRequest {
  collections: GetItemEstimateCollection[];
}

export interface GetItemEstimateResponse {
  responses: Array<{ status: number; collectionId: string; estimate?: number }>;
}

// GetItemEstimate has no protocol-error Status of its own; a malformed request is an invalid collection.
const r = new RequestReader('GetItemEstimate', GET_ITEM_ESTIMATE_STATUS.InvalidCollection);

/** Reads a GetItemEstimate request (14.0 and later: airsync:SyncKey and airsync:Options). */
export function readGetItemEstimateRequest(root: WbxmlElement): GetItemEstimateRequest {
  r.root(root, 'GetItemEstimate', 'GetItemEstimate');
  const collections = r.required(root, 'Collections', 'GetItemEstimate');
  const list = children(collections, 'Collection', 'GetItemEstimate');
  if (list.length === 0 || list.length > 1000) r.fail('Collections holds no or too many collections');
  return {
    collections: list.map((c) => {
      const result: GetItemEstimateCollection = {
        syncKey: r.requiredText(c, 'SyncKey', 'AirSync', 64),
        collectionId: r.requiredText(c, 'CollectionId', 'GetItemEstimate', 64),
      };
      const mode = r.flag(c, 'ConversationMode', 'AirSync');
      if (mode !== undefined) result.conversationMode = mode;
      const options = children(c, 'Options', 'AirSync')[0];
      if (options) {
        const filterType = r.integer(options, 'FilterType', 'AirSync', 0, 8);
        if (filterType !== undefined) result.filterType = filterType;
        const className = r.optionalText(options, 'Class', 'AirSync', 16);
        if (className !== undefined) result.className = className;
        const maxItems = r.integer(options, 'MaxItems', 'AirSync', 1, 0xffffffff);
        if (maxItems !== undefined) result.maxItems = maxItems;
      }
      return result;
    }),
  };
}

export function buildGetItemEstimateResponse(response: GetItemEstimateResponse): WbxmlElement {
  return el(
    'GetItemEstimate',
    'GetItemEstimate',
    response.responses.map((entry) =>
      el(
        'GetItemEstimate',
        'Response',
        el('GetItemEstimate', 'Status', String(entry.status)),
        el(
          'GetItemEstimate',
          'Collection',
          el('GetItemEstimate', 'CollectionId', entry.collectionId),
          entry.estimate !== undefined && el('GetItemEstimate', 'Estimate', String(entry.estimate)),
        ),
      ),
    ),
  );
}

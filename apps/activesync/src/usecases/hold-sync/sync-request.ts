import { child, childText, children, el, type WbxmlElement, type WbxmlNode } from '@pushmail/activesync';

/**
 * The request-level parts of a Sync that the gateway keeps between requests: a phone that has
 * nothing new to say sends an empty Sync (the last one again, with the keys it was given since) or
 * a Partial one (only the collections that differ), [MS-ASCMD] 2.2.2.20.
 */

const isElement = (node: WbxmlNode): node is WbxmlElement =>
  typeof node === 'object' && !(node instanceof Uint8Array);

/** The collections of a Sync request. */
export function collectionsOf(request: WbxmlElement): WbxmlElement[] {
  const collections = child(request, 'Collections', 'AirSync');
  return collections ? children(collections, 'Collection', 'AirSync') : [];
}

/** The request with each element of its Collections replaced by what `change` makes of it. */
function withEachCollection(
  request: WbxmlElement,
  change: (collection: WbxmlElement) => WbxmlElement,
): WbxmlElement {
  return {
    ...request,
    children: request.children.map((node) =>
      isElement(node) && node.tag === 'Collections'
        ? {
            ...node,
            children: node.children.map((collection) =>
              isElement(collection) ? change(collection) : collection,
            ),
          }
        : node,
    ),
  };
}

/** What is kept of a request: everything but the device's changes, which are applied once. */
export function withoutCommands(request: WbxmlElement): WbxmlElement {
  return withEachCollection(request, (collection) =>
    collection.tag === 'Collection'
      ? {
          ...collection,
          children: collection.children.filter((part) => !isElement(part) || part.tag !== 'Commands'),
        }
      : collection,
  );
}

/**
 * The SyncKey a kept request holds for a collection the device had synced (any key but 0): an empty
 * or Partial Sync is repeated at the key the device holds now (`repeatedRequest`), so the key it
 * sent is not kept, and a Sync that moved the key writes nothing when the rest is the same. A
 * collection the device holds no key for by then (its folder gone or the hierarchy synced afresh)
 * is answered Status 3 or 12 under this key as under any other it was given.
 */
export const KEPT_SYNC_KEY = 'kept';

/**
 * What is kept of a request (`LastSyncRequests`): everything but the device's changes, which are
 * applied once, and with each key the device had synced at replaced by `KEPT_SYNC_KEY`.
 */
export function keptFormOf(request: WbxmlElement): WbxmlElement {
  return withEachCollection(withoutCommands(request), (collection) => {
    const key = childText(collection, 'SyncKey', 'AirSync');
    return collection.tag === 'Collection' && key !== undefined && key !== '0'
      ? withKey(collection, KEPT_SYNC_KEY)
      : collection;
  });
}

/** A collection with its SyncKey replaced. */
function withKey(collection: WbxmlElement, syncKey: string): WbxmlElement {
  return {
    ...collection,
    children: collection.children.map((part) =>
      isElement(part) && part.tag === 'SyncKey' ? el('AirSync', 'SyncKey', syncKey) : part,
    ),
  };
}

/**
 * The request a Partial Sync stands for: the last request's collections, each replaced by the one
 * the device sent for the same CollectionId, plus the new ones; its Wait, HeartbeatInterval and
 * WindowSize, or the last ones.
 */
export function mergedRequest(last: WbxmlElement, partial: WbxmlElement): WbxmlElement {
  const sent = collectionsOf(partial);
  const sentIds = new Set(sent.map((collection) => childText(collection, 'CollectionId', 'AirSync')));
  const kept = collectionsOf(last).filter(
    (collection) => !sentIds.has(childText(collection, 'CollectionId', 'AirSync')),
  );
  const topLevel = (tag: string) => child(partial, tag, 'AirSync') ?? child(last, tag, 'AirSync');
  const wait = child(partial, 'HeartbeatInterval', 'AirSync') ? undefined : topLevel('Wait');
  const heartbeat = child(partial, 'Wait', 'AirSync') ? undefined : topLevel('HeartbeatInterval');
  return el(
    'AirSync',
    'Sync',
    el('AirSync', 'Collections', ...kept, ...sent),
    wait,
    heartbeat,
    topLevel('WindowSize'),
  );
}

/** The last request again, each collection at the SyncKey the device holds now. */
export function repeatedRequest(
  last: WbxmlElement,
  keyOf: (collectionId: string) => string | undefined,
): WbxmlElement {
  return withEachCollection(last, (collection) => {
    const id = childText(collection, 'CollectionId', 'AirSync');
    const key = id === undefined ? undefined : keyOf(id);
    return key === undefined ? collection : withKey(collection, key);
  });
}

/** How long a Sync may be held: Wait (minutes) or HeartbeatInterval (seconds). */
export type HoldRequest =
  { hold: false } | { hold: true; ms: number } | { invalid: 'both' } | { invalid: 'range'; limit: number };

export function holdOf(
  request: WbxmlElement,
  bounds: { minHeartbeatSeconds: number; maxHeartbeatSeconds: number },
): HoldRequest {
  const wait = childText(request, 'Wait', 'AirSync');
  const heartbeat = childText(request, 'HeartbeatInterval', 'AirSync');
  if (wait !== undefined && heartbeat !== undefined) return { invalid: 'both' };
  if (wait !== undefined) {
    const minutes = Number(wait);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 59)
      return { invalid: 'range', limit: minutes < 1 || !Number.isInteger(minutes) ? 1 : 59 };
    return { hold: true, ms: minutes * 60_000 };
  }
  if (heartbeat !== undefined) {
    const seconds = Number(heartbeat);
    if (!Number.isInteger(seconds) || seconds < bounds.minHeartbeatSeconds)
      return { invalid: 'range', limit: bounds.minHeartbeatSeconds };
    if (seconds > bounds.maxHeartbeatSeconds) return { invalid: 'range', limit: bounds.maxHeartbeatSeconds };
    return { hold: true, ms: seconds * 1000 };
  }
  return { hold: false };
}

import { child, childText, children, el, type WbxmlElement } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import {
  collectionsOf,
  holdOf,
  KEPT_SYNC_KEY,
  keptFormOf,
  mergedRequest,
  repeatedRequest,
  withoutCommands,
} from './sync-request.js';

const collection = (id: string, key: string, ...rest: WbxmlElement[]) =>
  el('AirSync', 'Collection', el('AirSync', 'SyncKey', key), el('AirSync', 'CollectionId', id), ...rest);
const sync = (collections: WbxmlElement[], ...top: WbxmlElement[]) =>
  el('AirSync', 'Sync', el('AirSync', 'Collections', ...collections), ...top);
const keys = (request: WbxmlElement) =>
  Object.fromEntries(
    collectionsOf(request).map((c) => [childText(c, 'CollectionId'), childText(c, 'SyncKey')]),
  );

describe('Sync request kept between requests', () => {
  it('keeps everything but the commands, which are applied once', () => {
    const commands = el('AirSync', 'Commands', el('AirSync', 'Delete', el('AirSync', 'ServerId', 'm1')));
    const options = el('AirSync', 'Options', el('AirSync', 'FilterType', '3'));
    const kept = withoutCommands(
      sync([collection('inbox', 'k1', options, commands)], el('AirSync', 'WindowSize', '25')),
    );
    const [only] = collectionsOf(kept);
    expect(child(only!, 'Commands')).toBeUndefined();
    expect(child(only!, 'Options')).toEqual(options);
    expect(childText(kept, 'WindowSize')).toBe('25');
  });

  it('keeps a request without the keys the phone had synced at, so that a Sync that only moved them keeps the same', () => {
    const options = el('AirSync', 'Options', el('AirSync', 'FilterType', '3'));
    const commands = el('AirSync', 'Commands', el('AirSync', 'Fetch', el('AirSync', 'ServerId', 'm1')));
    const at = (inboxKey: string, ...rest: WbxmlElement[]) =>
      sync(
        [collection('inbox', inboxKey, options, ...rest), collection('sent', '0')],
        el('AirSync', 'WindowSize', '5'),
      );
    const kept = keptFormOf(at('{k}1', commands));
    expect(kept).toEqual(keptFormOf(at('{k}2')));
    expect(keys(kept)).toEqual({ inbox: KEPT_SYNC_KEY, sent: '0' });
    expect(child(collectionsOf(kept)[0]!, 'Commands')).toBeUndefined();
    expect(child(collectionsOf(kept)[0]!, 'Options')).toEqual(options);
    expect(childText(kept, 'WindowSize')).toBe('5');
    expect(keptFormOf(at('{k}1'))).not.toEqual(keptFormOf(sync([collection('inbox', '{k}1', options)])));
    // Repeated, it is the request at the keys the phone holds now.
    const now = new Map([
      ['inbox', '{k}3'],
      ['sent', '{s}1'],
    ]);
    expect(repeatedRequest(kept, (id) => now.get(id))).toEqual(
      withoutCommands(
        sync(
          [collection('inbox', '{k}3', options), collection('sent', '{s}1')],
          el('AirSync', 'WindowSize', '5'),
        ),
      ),
    );
  });

  it('repeats the last request at the keys the phone holds now, leaving a collection it holds none for as it was', () => {
    const last = sync([collection('inbox', 'k1'), collection('sent', 's1')]);
    const now = new Map([['inbox', 'k2']]);
    expect(keys(repeatedRequest(last, (id) => now.get(id)))).toEqual({ inbox: 'k2', sent: 's1' });
  });

  it('merges a Partial Sync into the last request: its collections replace the same ones, the rest stay', () => {
    const last = sync([collection('inbox', 'k1'), collection('sent', 's1')], el('AirSync', 'Wait', '5'));
    const partial = sync(
      [collection('sent', 's2'), collection('projects', 'p1')],
      el('AirSync', 'Partial'),
      el('AirSync', 'HeartbeatInterval', '120'),
    );
    const merged = mergedRequest(last, partial);
    expect(keys(merged)).toEqual({ inbox: 'k1', sent: 's2', projects: 'p1' });
    expect(childText(merged, 'HeartbeatInterval')).toBe('120');
    expect(child(merged, 'Wait')).toBeUndefined();
    expect(child(merged, 'Partial')).toBeUndefined();
    expect(
      children(child(mergedRequest(last, sync([], el('AirSync', 'Partial')))!, 'Collections')!, 'Collection'),
    ).toHaveLength(2);
    expect(childText(mergedRequest(last, sync([], el('AirSync', 'Partial'))), 'Wait')).toBe('5');
  });

  it('reads how long to hold: Wait in minutes, HeartbeatInterval in seconds, with the limit when out of range', () => {
    const bounds = { minHeartbeatSeconds: 60, maxHeartbeatSeconds: 3540 };
    const top = (...elements: WbxmlElement[]) => holdOf(sync([], ...elements), bounds);
    expect(top()).toEqual({ hold: false });
    expect(top(el('AirSync', 'Wait', '2'))).toEqual({ hold: true, ms: 120_000 });
    expect(top(el('AirSync', 'HeartbeatInterval', '90'))).toEqual({ hold: true, ms: 90_000 });
    expect(top(el('AirSync', 'Wait', '0'))).toEqual({ invalid: 'range', limit: 1 });
    expect(top(el('AirSync', 'Wait', '60'))).toEqual({ invalid: 'range', limit: 59 });
    expect(top(el('AirSync', 'HeartbeatInterval', '30'))).toEqual({ invalid: 'range', limit: 60 });
    expect(top(el('AirSync', 'HeartbeatInterval', 'soon'))).toEqual({ invalid: 'range', limit: 60 });
    expect(top(el('AirSync', 'HeartbeatInterval', '4000'))).toEqual({ invalid: 'range', limit: 3540 });
    expect(top(el('AirSync', 'Wait', '1'), el('AirSync', 'HeartbeatInterval', '60'))).toEqual({
      invalid: 'both',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { child, childText, decodeWbxml, el, encodeWbxml } from '../wbxml/wbxml.js';
import { EasClient, easRequests, provisionPolicyOf, syncCollectionOf } from './eas-client.js';

const roundTrip = (document: Parameters<typeof encodeWbxml>[0]) => decodeWbxml(encodeWbxml(document));

describe('easRequests', () => {
  it('builds a Sync of one collection with its key, id and options, in the order the schema asks', () => {
    const sync = roundTrip(
      easRequests.sync(
        'F1',
        '7',
        el('AirSync', 'WindowSize', '5'),
        false,
        easRequests.bodyPreference('1', 64),
      ),
    );
    const collection = child(child(sync, 'Collections')!, 'Collection')!;
    expect(
      collection.children.map((node) =>
        typeof node === 'string' || node instanceof Uint8Array ? node : node.tag,
      ),
    ).toEqual(['SyncKey', 'CollectionId', 'WindowSize', 'Options']);
    expect(childText(collection, 'SyncKey')).toBe('7');
    expect(childText(child(child(collection, 'Options')!, 'BodyPreference')!, 'TruncationSize')).toBe('64');
  });

  it('acknowledges a temporary policy key only in the second phase of Provision', () => {
    const first = provisionPolicyOf(roundTrip(easRequests.provision()))!;
    const second = provisionPolicyOf(roundTrip(easRequests.provision('123')))!;
    expect(childText(first, 'PolicyKey')).toBeUndefined();
    expect([childText(second, 'PolicyKey'), childText(second, 'Status')]).toEqual(['123', '1']);
  });

  it('pings every folder it is given', () => {
    const ping = roundTrip(easRequests.ping(480, ['a', 'b']));
    expect(childText(ping, 'HeartbeatInterval')).toBe('480');
    expect(child(ping, 'Folders')!.children).toHaveLength(2);
  });
});

describe(syncCollectionOf.name, () => {
  it('finds the collection of a Sync answer, and nothing in an answer without one', () => {
    expect(syncCollectionOf(roundTrip(easRequests.sync('F1', '0')))).toBeDefined();
    expect(syncCollectionOf(roundTrip(el('AirSync', 'Sync', el('AirSync', 'Status', '4'))))).toBeUndefined();
    expect(syncCollectionOf(undefined)).toBeUndefined();
  });
});

describe(EasClient.name, () => {
  it('signs in with Basic when it has the password, and with the device token otherwise', () => {
    const basic = new EasClient('http://gateway', { address: 'a@b.c', password: 'pw', deviceId: 'd' });
    const bearer = new EasClient('http://gateway', { address: 'a@b.c', token: 'pmd_x', deviceId: 'd' });
    expect(basic.authorization).toBe(`Basic ${Buffer.from('a@b.c:pw').toString('base64')}`);
    expect(bearer.authorization).toBe('Bearer pmd_x');
  });
});

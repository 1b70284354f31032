import { describe, expect, it } from 'vitest';
import {
  child,
  childText,
  children,
  decodeWbxml,
  el,
  encodeWbxml,
  isCodePageName,
  opaqueOf,
  textOf,
  tokenOf,
  WbxmlError,
} from './wbxml.js';
import { airSync, airSyncBase, composeMail, contacts, ping } from '../testing/elements.js';

// [MS-ASWBXML] 4.1 encodes this Sync response (a new contact) byte by byte; these are its first bytes.
const SPEC_EXAMPLE_PREFIX =
  '03016a00455c4f5003436f6e74616374730001' +
  '4b0332000152033200014e0331000156474d03323a3100015d00114a4603310001' +
  '4c033000014d033100010100015e0346756e6b';

const specExample = airSync(
  'Sync',
  airSync(
    'Collections',
    airSync(
      'Collection',
      airSync('Class', 'Contacts'),
      airSync('SyncKey', '2'),
      airSync('CollectionId', '2'),
      airSync('Status', '1'),
      airSync(
        'Commands',
        airSync(
          'Add',
          airSync('ServerId', '2:1'),
          airSync(
            'ApplicationData',
            airSyncBase(
              'Body',
              airSyncBase('Type', '1'),
              airSyncBase('EstimatedDataSize', '0'),
              airSyncBase('Truncated', '1'),
            ),
            contacts('FileAs', 'Funk, Don'),
            contacts('FirstName', 'Don'),
            contacts('LastName', 'Funk'),
            airSyncBase('NativeBodyType', '1'),
          ),
        ),
      ),
    ),
  ),
);

describe('encodeWbxml', () => {
  it('writes the WBXML 1.3 header with public id 1, UTF-8 and an empty string table', () => {
    const bytes = encodeWbxml(el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', '0')));
    expect([...bytes.subarray(0, 4)]).toEqual([0x03, 0x01, 0x6a, 0x00]);
    expect(bytes.toString('hex')).toBe('03016a0000075652033000' + '0101');
  });

  it('switches code pages only where the page changes', () => {
    const doc = airSync('Sync', airSync('Collections', airSync('Collection', airSync('Class', 'Contacts'))));
    const bytes = encodeWbxml(doc);
    expect(bytes.subarray(0, 9).toString('hex')).toBe('03016a00455c4f5003');
  });

  it('rejects a tag the code page lacks', () => {
    expect(() => encodeWbxml({ page: 'AirSync', tag: 'Nope', children: [] })).toThrow(WbxmlError);
  });

  it('rejects text with a NUL character, which an inline string cannot carry', () => {
    expect(() => encodeWbxml(airSync('SyncKey', 'a\0b'))).toThrow(WbxmlError);
  });
});

describe('decodeWbxml', () => {
  it('matches the encoding of the specification example and reads it back', () => {
    const bytes = encodeWbxml(specExample);
    expect(bytes.toString('hex').startsWith(SPEC_EXAMPLE_PREFIX)).toBe(true);
    expect(decodeWbxml(bytes)).toEqual(specExample);
  });

  it('reads back what it wrote', () => {
    const doc = airSync(
      'Sync',
      airSync(
        'Collections',
        airSync(
          'Collection',
          airSync('SyncKey', '1'),
          airSync('CollectionId', '5'),
          airSyncBase('Body', airSyncBase('Type', '2'), airSyncBase('Data', 'hé 😀')),
          composeMail('Mime', new Uint8Array([0, 1, 2, 255])),
        ),
      ),
    );
    expect(decodeWbxml(encodeWbxml(doc))).toEqual(doc);
  });

  it('rejects a truncated document with a WbxmlError', () => {
    const bytes = encodeWbxml(ping('Ping', ping('HeartbeatInterval', '480')));
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decodeWbxml(bytes.subarray(0, cut))).toThrow(WbxmlError);
    }
  });

  it('rejects a string table', () => {
    expect(() => decodeWbxml(Buffer.from('03016a0161000545', 'hex'))).toThrow(
      expect.objectContaining({ reason: 'unsupported-string-table' }),
    );
  });

  it('rejects an unknown code page and an unknown token', () => {
    expect(() => decodeWbxml(Buffer.from('03016a00001a05', 'hex'))).toThrow(
      expect.objectContaining({ reason: 'unknown-code-page' }),
    );
    expect(() => decodeWbxml(Buffer.from('03016a0011', 'hex'))).toThrow(
      expect.objectContaining({ reason: 'unknown-tag' }),
    );
  });

  it('stops at the depth limit', () => {
    const bytes = encodeWbxml(airSync('Sync', airSync('Collections', airSync('Collection'))));
    expect(() => decodeWbxml(bytes, { maxDepth: 1 })).toThrow(
      expect.objectContaining({ reason: 'depth-limit' }),
    );
    expect(() => decodeWbxml(bytes, { maxNodes: 2 })).toThrow(
      expect.objectContaining({ reason: 'node-limit' }),
    );
  });
});

describe('child', () => {
  it('finds children by tag and page and reads their text', () => {
    const doc = airSync('Collection', airSync('SyncKey', '4', '2'), airSync('Status', '1'));
    expect(childText(doc, 'SyncKey')).toBe('42');
    expect(child(doc, 'SyncKey', 'FolderHierarchy')).toBeUndefined();
    expect(children(doc, 'Status')).toHaveLength(1);
    expect(textOf(undefined)).toBeUndefined();
  });
});

describe(el.name, () => {
  it('leaves out absent children, flattens arrays and refuses a tag its page lacks', () => {
    expect(ping('Folders', undefined, null, false, [ping('Folder', 'a'), ping('Folder', 'b')])).toEqual({
      page: 'Ping',
      tag: 'Folders',
      children: [ping('Folder', 'a'), ping('Folder', 'b')],
    });
    expect(() => ping('Sync')).toThrow(WbxmlError);
  });
});

describe(tokenOf.name, () => {
  it('gives the page number and token of a tag, and nothing for an unknown one', () => {
    expect(tokenOf('AirSyncBase', 'Body')).toEqual({ page: 17, token: 0x0a });
    expect(tokenOf('Find', 'Picture')).toEqual({ page: 25, token: 0x22 });
    expect(tokenOf('Provision', 'AccountOnlyRemoteWipe')).toEqual({ page: 14, token: 0x3b });
    expect(tokenOf('AirNotify', 'Notify')).toBeUndefined();
    expect(isCodePageName('GAL')).toBe(true);
    expect(isCodePageName('Gal')).toBe(false);
  });
});

describe(opaqueOf.name, () => {
  it('joins the opaque children of an element', () => {
    expect(opaqueOf(composeMail('Mime', new Uint8Array([1]), 'x', new Uint8Array([2, 3])))).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(opaqueOf(composeMail('Mime', 'text'))).toBeUndefined();
  });
});

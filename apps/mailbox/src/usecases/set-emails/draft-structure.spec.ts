import { describe, expect, it } from 'vitest';
import { partOfType } from '../../mime/body-structure.js';
import { draftBlobIds, MAX_DRAFT_PARTS, readDraftStructure, structureOfBodies } from './draft-structure.js';

const values = { t: { value: 'hello' } };

describe(readDraftStructure.name, () => {
  it('reads a tree of text from bodyValues and parts from blobs', () => {
    const read = readDraftStructure(
      {
        type: 'multipart/mixed',
        subParts: [
          { partId: 't', type: 'text/plain' },
          { blobId: 'Gabc', type: 'Image/PNG', name: 'a.png', cid: 'x@y', disposition: 'INLINE' },
        ],
      },
      values,
    );
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.part.subParts![0]).toMatchObject({
      type: 'text/plain',
      charset: 'utf-8',
      content: { text: 'hello' },
    });
    expect(read.part.subParts![1]).toMatchObject({
      type: 'image/png',
      disposition: 'inline',
      content: { blobId: 'Gabc' },
    });
    expect(draftBlobIds(read.part)).toEqual(['Gabc']);
  });

  it('refuses what cannot be composed, without walking past the caps', () => {
    const wide = {
      type: 'multipart/mixed',
      subParts: Array.from({ length: MAX_DRAFT_PARTS * 100 }, () => ({ partId: 't' })),
    };
    for (const bad of [
      null,
      wide,
      { partId: 't', type: 'image/png' },
      { partId: 't', charset: 'iso-8859-1' },
      { partId: 'missing' },
      { blobId: 'G', partId: 't' },
      { type: 'multipart/mixed', subParts: [] },
      { type: 'text/plain', subParts: [{ partId: 't' }] },
      { partId: 't', headers: [{ name: 'Content-Transfer-Encoding', value: 'base64' }] },
      { blobId: 'G', name: 'bad\r\nname' },
      { blobId: 'G', language: ['en', 'not a tag'] },
    ]) {
      expect(readDraftStructure(bad, values).ok, JSON.stringify(bad)?.slice(0, 80)).toBe(false);
    }
  });
});

describe(structureOfBodies.name, () => {
  it('puts text and HTML in multipart/alternative and attachments around them in multipart/mixed', () => {
    const leaf = (type: string) => ({ ...partOfType(type), subParts: null, content: { blobId: type } });
    const tree = structureOfBodies(leaf('text/plain'), leaf('text/html'), [leaf('application/pdf')]);
    expect(tree.type).toBe('multipart/mixed');
    expect(tree.subParts!.map((part) => part.type)).toEqual(['multipart/alternative', 'application/pdf']);
    expect(structureOfBodies(leaf('text/plain'), null, []).type).toBe('text/plain');
  });
});

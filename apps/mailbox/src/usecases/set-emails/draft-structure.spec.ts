import { describe, expect, it } from 'vitest';
import { partOfType } from '../../mime/body-structure.js';
import {
  draftBlobIds,
  MAX_DRAFT_PARTS,
  readBodyLeaf,
  readDraftStructure,
  structureOfBodies,
} from './draft-structure.js';

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

describe(`${readDraftStructure.name} with a part's own header:Content-Type`, () => {
  it('takes the type, charset, name and other parameters from it, in any form, when "type" is not given', () => {
    const read = readDraftStructure(
      {
        'header:Content-Type': ' Multipart/Alternative; boundary="client-picked"',
        subParts: [
          {
            partId: 't',
            'header:Content-Type:asText': 'text/plain; charset=UTF-8; format=flowed; delsp=yes',
          },
          {
            blobId: 'Gabc',
            'header:Content-Type:asRaw':
              ' text/csv; charset=iso-8859-1;\r\n name="=?UTF-8?Q?K=C3=A4se.csv?="',
          },
        ],
      },
      values,
    );
    expect(read.ok, JSON.stringify(read)).toBe(true);
    if (!read.ok) return;
    // The boundary is the server's to pick: the client's is not kept.
    expect(read.part).toMatchObject({ type: 'multipart/alternative' });
    expect(read.part.params).toBeUndefined();
    const [text, csv] = read.part.subParts!;
    expect(text).toMatchObject({
      type: 'text/plain',
      charset: 'utf-8',
      params: { format: 'flowed', delsp: 'yes' },
    });
    expect(text!.headers).toBeUndefined();
    expect(csv).toMatchObject({ type: 'text/csv', charset: 'iso-8859-1', name: 'Käse.csv' });
    expect(csv!.params).toBeUndefined();
  });

  it('refuses it beside "type" or "charset", twice, malformed, or with a charset a bodyValues text cannot have', () => {
    for (const bad of [
      { partId: 't', type: 'text/plain', 'header:Content-Type': ' text/plain' },
      { blobId: 'G', charset: 'utf-8', 'header:Content-Type': ' text/plain' },
      { partId: 't', 'header:Content-Type:all': [' text/plain', ' text/html'] },
      { partId: 't', 'header:Content-Type': ' text/plain', 'header:content-type:asText': 'text/plain' },
      { partId: 't', 'header:Content-Type': ' not a type' },
      { partId: 't', 'header:Content-Type': ' text/plain; charset=iso-8859-1' },
      { partId: 't', 'header:Content-Type': ' image/png' },
      { partId: 't', 'header:Content-Type:asAddresses': [{ email: 'a@b.c' }] },
      { blobId: 'G', name: 'a.txt', 'header:Content-Type': ' text/plain; name=b.txt' },
      { 'header:Content-Type': ' text/plain', subParts: [{ partId: 't' }] },
    ]) {
      expect(readDraftStructure(bad, values).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('lets a textBody entry give its own Content-Type, of the type the list requires', () => {
    const flowed = readBodyLeaf(
      { partId: 't', 'header:Content-Type': ' text/plain; format=flowed' },
      'text/plain',
      values,
    );
    expect(flowed.ok && flowed.part.params).toEqual({ format: 'flowed' });
    expect(readBodyLeaf({ partId: 't', 'header:Content-Type': ' text/html' }, 'text/plain', values).ok).toBe(
      false,
    );
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

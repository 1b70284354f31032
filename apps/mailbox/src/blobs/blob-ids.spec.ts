import { describe, expect, it } from 'vitest';
import { blobIdOf, parseBlobId, partBlobId } from './blob-ids.js';

describe(blobIdOf.name, () => {
  it('names equal bytes alike and different bytes apart', () => {
    expect(blobIdOf(Buffer.from('a'))).toBe(blobIdOf(Buffer.from('a')));
    expect(blobIdOf(Buffer.from('a'))).not.toBe(blobIdOf(Buffer.from('b')));
    expect(blobIdOf(Buffer.from('a'))).toMatch(/^B[0-9a-f]{64}$/);
  });
});

describe(parseBlobId.name, () => {
  const id = blobIdOf(Buffer.from('message'));

  it('tells stored blobs from message parts', () => {
    expect(parseBlobId(id)).toEqual({ kind: 'stored', blobId: id });
    expect(parseBlobId(partBlobId(id, '3'))).toEqual({ kind: 'part', blobId: id, partId: '3' });
  });

  it('refuses anything this server never issued', () => {
    expect(parseBlobId('G123')).toBeUndefined();
    expect(parseBlobId(`${id}_0`)).toBeUndefined();
    expect(parseBlobId(`${id}_x`)).toBeUndefined();
    expect(parseBlobId(`${id.toUpperCase()}`)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMultipart, encodeMultipart } from './multipart.js';

describe('ItemOperations multipart body', () => {
  it('lays out the count, each part offset and length, then the parts', () => {
    const body = encodeMultipart([Buffer.from('doc'), Buffer.from('hello')]);
    expect(body.readInt32LE(0)).toBe(2);
    expect([body.readInt32LE(4), body.readInt32LE(8)]).toEqual([20, 3]);
    expect([body.readInt32LE(12), body.readInt32LE(16)]).toEqual([23, 5]);
    expect(body.subarray(20).toString()).toBe('dochello');
  });

  it('reads back every part it wrote', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 }), (parts) => {
        expect(decodeMultipart(encodeMultipart(parts)).map((part) => [...part])).toEqual(
          parts.map((part) => [...part]),
        );
      }),
    );
  });

  it('refuses a table that points outside the body', () => {
    const body = encodeMultipart([Buffer.from('doc')]);
    body.writeInt32LE(99, 8);
    expect(() => decodeMultipart(body)).toThrow(/outside the body/);
    expect(() => decodeMultipart(Buffer.from([5, 0, 0, 0]))).toThrow(/does not fit/);
    expect(() => decodeMultipart(Buffer.alloc(2))).toThrow(/part count/);
  });
});

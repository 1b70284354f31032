import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allTags, decodeWbxml, encodeWbxml, WbxmlError, type WbxmlElement, type WbxmlNode } from './wbxml.js';

const TAGS = allTags();

/** Text an inline string can carry: any Unicode scalar value, astral planes included, but NUL. */
const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\0', ''));
const opaque = fc.uint8Array({ maxLength: 64 });

/** Documents made of the real tag tables: random pages and tags, text, opaque bytes, nesting. */
const documents: fc.Arbitrary<WbxmlElement> = fc.letrec<{ element: WbxmlElement; node: WbxmlNode }>(
  (tie) => ({
    element: fc
      .record({
        tag: fc.constantFrom(...TAGS),
        children: fc.array(tie('node'), { maxLength: 5 }),
      })
      .map(({ tag, children }) => ({ page: tag.page, tag: tag.tag, children })),
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, opaque, tie('element')),
  }),
).element;

function assertOnlyWbxmlErrors(bytes: Uint8Array): void {
  try {
    decodeWbxml(bytes);
  } catch (error) {
    if (!(error instanceof WbxmlError)) throw error;
    expect(typeof error.reason).toBe('string');
  }
}

describe(decodeWbxml.name, () => {
  it('reads back every document it encodes, deep-equal', () => {
    fc.assert(
      fc.property(documents, (doc) => {
        expect(decodeWbxml(encodeWbxml(doc))).toEqual(doc);
      }),
      { numRuns: 500 },
    );
  });

  it('throws only WbxmlError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), assertOnlyWbxmlErrors), { numRuns: 2000 });
  });

  it('throws only WbxmlError on random bytes after a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        assertOnlyWbxmlErrors(Buffer.concat([Buffer.from([0x03, 0x01, 0x6a, 0x00]), body]));
      }),
      { numRuns: 2000 },
    );
  });

  it('throws WbxmlError on every truncation of a valid document', () => {
    fc.assert(
      fc.property(documents, (doc) => {
        const bytes = encodeWbxml(doc);
        for (let cut = 0; cut < bytes.length; cut++) {
          expect(() => decodeWbxml(bytes.subarray(0, cut))).toThrow(WbxmlError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('throws only WbxmlError on valid documents with bytes flipped, inserted or removed', () => {
    fc.assert(
      fc.property(
        documents,
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (doc, edits) => {
          const bytes = [...encodeWbxml(doc)];
          for (const [position, value, kind] of edits) {
            const at = position % (bytes.length + 1);
            if (kind === 'set') bytes[Math.min(at, bytes.length - 1)] = value;
            else if (kind === 'insert') bytes.splice(at, 0, value);
            else bytes.splice(at, 1);
          }
          assertOnlyWbxmlErrors(Uint8Array.from(bytes));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decodes deeply nested input within the depth limit and refuses it beyond', () => {
    // Sync opened 10 000 times: a stack-based decoder must refuse this without recursion.
    const deep = Buffer.concat([Buffer.from([0x03, 0x01, 0x6a, 0x00]), Buffer.alloc(10_000, 0x45)]);
    expect(() => decodeWbxml(deep)).toThrow(expect.objectContaining({ reason: 'depth-limit' }));
    expect(() => decodeWbxml(deep, { maxDepth: 20_000 })).toThrow(
      expect.objectContaining({ reason: 'truncated' }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CORE_LIMITS, SUPPORTED_CAPABILITIES } from './capabilities.js';
import { LIMIT_ERROR, MethodError, REQUEST_ERROR_PREFIX } from './errors.js';
import { parseRequestBody, type ParseResult } from './request.js';
import { evaluatePointer } from './result-reference.js';
import { parseClientMessage, type ClientMessageResult } from './websocket.js';

const limits = { ...DEFAULT_CORE_LIMITS, maxSizeRequest: 64 * 1024, maxCallsInRequest: 16 };
const problemTypes = ['unknownCapability', 'notJSON', 'notRequest', 'limit'].map(
  (type) => `${REQUEST_ERROR_PREFIX}${type}`,
);

function expectProblem(problem: { type: string; status: number; detail: string }): void {
  expect(problemTypes).toContain(problem.type);
  expect(problem.status).toBe(400);
  expect(typeof problem.detail).toBe('string');
  expect(problem.detail.length).toBeGreaterThan(0);
}

function expectWellFormedRequest(result: ParseResult): void {
  if (!result.ok) return expectProblem(result.problem);
  expect(Array.isArray(result.request.using)).toBe(true);
  for (const capability of result.request.using)
    expect(SUPPORTED_CAPABILITIES as readonly string[]).toContain(capability);
  expect(result.request.methodCalls.length).toBeLessThanOrEqual(limits.maxCallsInRequest);
  for (const call of result.request.methodCalls) {
    expect(call).toHaveLength(3);
    expect(typeof call[0]).toBe('string');
    expect(typeof call[1]).toBe('object');
    expect(Array.isArray(call[1])).toBe(false);
    expect(typeof call[2]).toBe('string');
  }
}

function expectWellFormedMessage(result: ClientMessageResult): void {
  if (!result.ok) return expectProblem(result.problem);
  expect(['request', 'pushEnable', 'pushDisable']).toContain(result.message.kind);
}

// Documents shaped like requests, so that generation reaches the checks past JSON.parse.
const invocation = fc.tuple(
  fc.string(),
  fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
  fc.oneof(fc.string(), fc.integer()),
);
const requestLike = fc.record(
  {
    '@type': fc.oneof(fc.constantFrom('Request', 'WebSocketPushEnable', 'WebSocketPushDisable'), fc.string()),
    id: fc.oneof(fc.string(), fc.integer()),
    using: fc.oneof(
      fc.array(fc.oneof(fc.constantFrom(...SUPPORTED_CAPABILITIES), fc.string())),
      fc.jsonValue(),
    ),
    methodCalls: fc.oneof(fc.array(invocation, { maxLength: 24 }), fc.jsonValue()),
    createdIds: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    dataTypes: fc.oneof(fc.constant(null), fc.array(fc.string()), fc.jsonValue()),
    pushState: fc.oneof(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

/** Any text: plain, binary-ish or JSON. */
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json());

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('JMAP protocol parsers under arbitrary input', () => {
  it.each<[string, fc.Arbitrary<string | Buffer>, number]>([
    ['any string', anyText, 500],
    [
      'arbitrary bytes, including invalid UTF-8',
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      300,
    ],
    ['a request-shaped document', requestLike.map((document) => JSON.stringify(document)), 500],
  ])(
    'parseRequestBody returns a problem or a well-formed request for %s, never throwing',
    (_, bodies, numRuns) => {
      fc.assert(
        fc.property(bodies, (body) => {
          expectWellFormedRequest(parseRequestBody(body, limits));
        }),
        { numRuns },
      );
    },
  );

  it('parseRequestBody refuses nesting of any depth past the limit without overflowing the stack', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 20_000 }), (depth) => {
        const body = `{"using":[],"methodCalls":[],"x":${nested(depth)}}`;
        const result = parseRequestBody(body, { ...limits, maxSizeRequest: 1_000_000 });
        expect(result.ok).toBe(false);
        if (!result.ok) expectProblem(result.problem);
      }),
      { numRuns: 30 },
    );
  });

  it('parseClientMessage returns a problem or a known message kind for any string', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expectWellFormedMessage(parseClientMessage(text, limits));
      }),
      { numRuns: 500 },
    );
  });

  it('parseClientMessage validates message-shaped documents and keeps a string id only', () => {
    fc.assert(
      fc.property(requestLike, (document) => {
        const result = parseClientMessage(JSON.stringify(document), limits);
        expectWellFormedMessage(result);
        if (!result.ok && result.id !== undefined) expect(typeof result.id).toBe('string');
        if (result.ok && result.message.kind === 'pushEnable') {
          const { dataTypes, pushState } = result.message;
          expect(
            dataTypes === null ||
              (Array.isArray(dataTypes) && dataTypes.every((type) => typeof type === 'string')),
          ).toBe(true);
          expect(pushState === undefined || typeof pushState === 'string').toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parseClientMessage answers a limit problem to any message over maxSizeRequest', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (filler) => {
        const text = JSON.stringify({
          '@type': 'Request',
          using: [],
          methodCalls: [],
          pad: filler.repeat(Math.ceil(70_000 / filler.length)),
        });
        const result = parseClientMessage(text, limits);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.problem.type).toBe(LIMIT_ERROR);
      }),
      { numRuns: 20 },
    );
  });

  it('evaluatePointer resolves or fails with invalidResultReference only, for any document and path', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.oneof(
          fc.string(),
          fc
            .array(fc.oneof(fc.constantFrom('*', '0', '1', 'list', 'ids', '~0', '~1', ''), fc.string()))
            .map((tokens) => `/${tokens.join('/')}`),
        ),
        (document, pointer) => {
          try {
            evaluatePointer(document, pointer);
          } catch (error) {
            expect(error).toBeInstanceOf(MethodError);
            expect((error as MethodError).type).toBe('invalidResultReference');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('evaluatePointer returns exactly what the path names in a document built around it', () => {
    const key = fc.string().filter((token) => token !== '*' && token !== '__proto__');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(key, fc.nat({ max: 3 })), { maxLength: 8 }),
        fc.jsonValue(),
        (path, leaf) => {
          let document: unknown = leaf;
          for (const step of [...path].reverse()) {
            if (typeof step === 'number') {
              const array: unknown[] = new Array(step + 1).fill(null);
              array[step] = document;
              document = array;
            } else {
              document = { [step]: document };
            }
          }
          const pointer = path
            .map((step) => `/${String(step).replace(/~/g, '~0').replace(/\//g, '~1')}`)
            .join('');
          expect(evaluatePointer(document, pointer)).toEqual(leaf);
        },
      ),
      { numRuns: 500 },
    );
  });
});

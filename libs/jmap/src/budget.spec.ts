import { CORE_CAPABILITY, MAIL_CAPABILITY } from './capabilities.js';
import { describe, expect, it } from 'vitest';
import { jsonSizeWithin, RequestBudget } from './budget.js';
import { dispatchRequest, type MethodHandler } from './dispatcher.js';
import { LIMIT_ERROR, RequestProblem } from './errors.js';
import type { Invocation } from './request.js';

/** Each call echoes the previous call's answer twice: the answer doubles with every call. */
function doublingCalls(count: number): Invocation[] {
  const calls: Invocation[] = [['Core/echo', { seed: 'x'.repeat(64) }, 'c0']];
  for (let index = 1; index < count; index += 1) {
    const previous = { resultOf: `c${index - 1}`, name: 'Core/echo', path: '' };
    calls.push(['Core/echo', { '#a': previous, '#b': previous }, `c${index}`]);
  }
  return calls;
}

function problemOf(error: unknown): Record<string, unknown> {
  expect(error).toBeInstanceOf(RequestProblem);
  return (error as RequestProblem).problem as unknown as Record<string, unknown>;
}

describe(jsonSizeWithin.name, () => {
  it('is the length of the JSON text for ordinary values', () => {
    const value = { a: [1, 'two', null, true, { b: 'é' }], c: {}, d: [] };
    expect(jsonSizeWithin(value, 1_000)).toBe(Buffer.byteLength(JSON.stringify(value)));
  });

  it('stops past the limit on a value that holds itself exponentially often', () => {
    let value: unknown = 'x'.repeat(64);
    for (let index = 0; index < 60; index += 1) value = { a: value, b: value };
    expect(jsonSizeWithin(value, 100_000)).toBeGreaterThan(100_000);
  });
});

describe(RequestBudget.name, () => {
  const echo: MethodHandler = async (args) => args;
  const methods = new Map<string, MethodHandler>([
    ['Core/echo', echo],
    ['Email/set', async () => ({ created: { k1: { id: 'e1' } } })],
    ['Email/get', async (args) => ({ list: args['ids'] })],
  ]);

  it('refuses a request whose references double its answer with limit, within the default budget', async () => {
    // 32 calls: without a budget the answer is 2^31 copies of the seed.
    const error = await dispatchRequest(
      { using: [CORE_CAPABILITY], methodCalls: doublingCalls(32) },
      'acc',
      methods,
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const problem = problemOf(error);
    expect(problem).toMatchObject({ type: LIMIT_ERROR, status: 400 });
    // The references reach their budget first (they copy the answer before it is answered).
    expect(['maxSizeReferences', 'maxSizeResponse']).toContain(problem['limit']);
  });

  it('refuses a response that grows past maxSizeResponse', async () => {
    const error = await dispatchRequest(
      { using: [CORE_CAPABILITY], methodCalls: doublingCalls(12) },
      'acc',
      methods,
      {
        budget: { maxSizeResponse: 20_000, maxSizeReferences: 1_000_000 },
      },
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(problemOf(error)).toMatchObject({ limit: 'maxSizeResponse' });
  });

  it('answers a request within the budget whole', async () => {
    const { methodResponses } = await dispatchRequest(
      { using: [CORE_CAPABILITY], methodCalls: doublingCalls(6) },
      'acc',
      methods,
    );
    expect(methodResponses).toHaveLength(6);
    expect(Buffer.byteLength(JSON.stringify(methodResponses))).toBeLessThan(20_000);
  });

  it('refuses references that copy more than maxSizeReferences into the arguments', async () => {
    const big = { resultOf: 'c0', name: 'Core/echo', path: '/blob' };
    const error = await dispatchRequest(
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY],
        methodCalls: [
          ['Core/echo', { blob: 'y'.repeat(1000) }, 'c0'],
          ['Email/get', { accountId: 'acc', '#ids': big }, 'c1'],
          ['Email/get', { accountId: 'acc', '#ids': big }, 'c2'],
        ],
      },
      'acc',
      methods,
      { budget: { maxSizeResponse: 1_000_000, maxSizeReferences: 1500 } },
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(problemOf(error)).toMatchObject({ limit: 'maxSizeReferences' });
  });

  it('keeps the answer of a write and answers requestTooLarge for the calls past the budget', async () => {
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY],
        methodCalls: [
          ['Email/set', { accountId: 'acc' }, 's'],
          ...doublingCalls(24).map(([name, args, callId]): Invocation => [name, args, callId]),
        ],
      },
      'acc',
      methods,
      { budget: { maxSizeResponse: 50_000, maxSizeReferences: 50_000 } },
    );
    expect(methodResponses[0]).toEqual(['Email/set', { created: { k1: { id: 'e1' } } }, 's']);
    expect(methodResponses).toHaveLength(25);
    const last = methodResponses.at(-1)!;
    expect([last[0], last[1]['type']]).toEqual(['error', 'requestTooLarge']);
    expect(Buffer.byteLength(JSON.stringify(methodResponses))).toBeLessThan(60_000);
  });

  it('starts no call once the caller has gone', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const recording = new Map<string, MethodHandler>([
      [
        'Core/echo',
        async (args) => {
          calls.push('echo');
          controller.abort();
          return args;
        },
      ],
    ]);
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY],
        methodCalls: [
          ['Core/echo', {}, 'a'],
          ['Core/echo', {}, 'b'],
        ],
      },
      'acc',
      recording,
      { signal: controller.signal },
    );
    expect(calls).toEqual(['echo']);
    expect(methodResponses[1]).toMatchObject(['error', { type: 'serverFail' }, 'b']);
  });
});

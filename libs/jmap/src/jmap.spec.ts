import { describe, expect, it } from 'vitest';
import {
  CORE_CAPABILITY,
  DEFAULT_CORE_LIMITS,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
} from './capabilities.js';
import { dispatchRequest, type MethodHandler, type MethodRegistry } from './dispatcher.js';
import {
  LIMIT_ERROR,
  MethodError,
  NOT_JSON_ERROR,
  NOT_REQUEST_ERROR,
  UNKNOWN_CAPABILITY_ERROR,
} from './errors.js';
import { parseRequestBody } from './request.js';
import { evaluatePointer } from './result-reference.js';
import { parseClientMessage } from './websocket.js';

describe(parseRequestBody.name, () => {
  it('answers notJSON for bytes that are not JSON', () => {
    const result = parseRequestBody('{', DEFAULT_CORE_LIMITS);
    expect(result.ok ? null : result.problem.type).toBe(NOT_JSON_ERROR);
  });

  it('answers notRequest for a malformed invocation', () => {
    const result = parseRequestBody(
      JSON.stringify({ using: [CORE_CAPABILITY], methodCalls: [['Core/echo', {}]] }),
      DEFAULT_CORE_LIMITS,
    );
    expect(result.ok ? null : result.problem.type).toBe(NOT_REQUEST_ERROR);
  });

  it('answers unknownCapability for a capability the server lacks', () => {
    const result = parseRequestBody(
      JSON.stringify({ using: ['urn:example:nope'], methodCalls: [] }),
      DEFAULT_CORE_LIMITS,
    );
    expect(result.ok ? null : result.problem.type).toBe(UNKNOWN_CAPABILITY_ERROR);
  });

  it('answers limit with the limit name past maxCallsInRequest', () => {
    const calls = Array.from({ length: DEFAULT_CORE_LIMITS.maxCallsInRequest + 1 }, (_, i) => [
      'Core/echo',
      {},
      `c${i}`,
    ]);
    const result = parseRequestBody(
      JSON.stringify({ using: [CORE_CAPABILITY], methodCalls: calls }),
      DEFAULT_CORE_LIMITS,
    );
    expect(result.ok ? null : [result.problem.type, result.problem.limit]).toEqual([
      LIMIT_ERROR,
      'maxCallsInRequest',
    ]);
  });

  it('refuses hostile nesting without overflowing the stack', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const result = parseRequestBody(`{"using":[],"methodCalls":[],"x":${deep}}`, DEFAULT_CORE_LIMITS);
    expect(result.ok ? null : result.problem.type).toBe(NOT_REQUEST_ERROR);
  });
});

describe(evaluatePointer.name, () => {
  it('maps "*" over arrays and flattens, as RFC 8620 §3.7 asks', () => {
    const doc = { list: [{ ids: ['a', 'b'] }, { ids: ['c'] }] };
    expect(evaluatePointer(doc, '/list/*/ids')).toEqual(['a', 'b', 'c']);
  });

  it('throws invalidResultReference for a path that does not resolve', () => {
    expect(() => evaluatePointer({ a: 1 }, '/b')).toThrow(MethodError);
  });
});

describe(dispatchRequest.name, () => {
  const echo: MethodHandler = async (args) => args;
  const ids: MethodHandler = async () => ({ ids: ['m1', 'm2'] });
  const methods = new Map<string, MethodHandler>([
    ['Core/echo', echo],
    ['Email/query', ids],
    ['Email/get', async (args) => ({ list: (args['ids'] as string[]).map((id) => ({ id })) })],
    [
      'Boom/get',
      async () => {
        throw new Error('database down');
      },
    ],
  ]);

  it('resolves a result reference from an earlier call', async () => {
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY],
        methodCalls: [
          ['Email/query', { accountId: 'acc' }, 'q'],
          [
            'Email/get',
            { accountId: 'acc', '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } },
            'g',
          ],
        ],
      },
      'acc',
      methods,
    );
    expect(methodResponses[1]).toEqual(['Email/get', { list: [{ id: 'm1' }, { id: 'm2' }] }, 'g']);
  });

  it('answers unknownMethod, accountNotFound and serverFail per call and goes on', async () => {
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY],
        methodCalls: [
          ['Nope/get', {}, 'a'],
          ['Email/query', { accountId: 'someone-else' }, 'b'],
          ['Boom/get', {}, 'c'],
          ['Core/echo', { hello: true }, 'd'],
        ],
      },
      'acc',
      methods,
    );
    expect(methodResponses.map(([name, args]) => (name === 'error' ? args['type'] : name))).toEqual([
      'unknownMethod',
      'accountNotFound',
      'serverFail',
      'Core/echo',
    ]);
  });

  it("puts the responses of a method's implicit calls right after its own, with its call id", async () => {
    const registry: MethodRegistry = {
      get: (name) =>
        name === 'EmailSubmission/set'
          ? async (_args, context) => {
              context.followUps?.push(['Email/set', { updated: { M1: null } }]);
              return { created: { k: { id: 'S1' } } };
            }
          : undefined,
    };
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY, SUBMISSION_CAPABILITY],
        methodCalls: [['EmailSubmission/set', {}, 's']],
      },
      'acc',
      registry,
    );
    expect(methodResponses).toEqual([
      ['EmailSubmission/set', { created: { k: { id: 'S1' } } }, 's'],
      ['Email/set', { updated: { M1: null } }, 's'],
    ]);
  });

  it('answers unknownMethod for a method whose capability is not in "using"', async () => {
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY],
        methodCalls: [
          ['Email/query', { accountId: 'acc' }, 'q'],
          ['Core/echo', {}, 'e'],
        ],
      },
      'acc',
      methods,
    );
    expect(methodResponses.map(([name, args]) => (name === 'error' ? args['type'] : name))).toEqual([
      'unknownMethod',
      'Core/echo',
    ]);
  });

  it('lets a policy refuse a call with its own error and run the others', async () => {
    const { methodResponses } = await dispatchRequest(
      {
        using: [CORE_CAPABILITY, MAIL_CAPABILITY],
        methodCalls: [
          ['Email/query', { accountId: 'acc' }, 'q'],
          ['Core/echo', { x: 1 }, 'e'],
        ],
      },
      'acc',
      methods,
      {
        authorize: (name) => (name.startsWith('Email/') ? new MethodError('forbidden', 'policy') : undefined),
      },
    );
    expect(methodResponses).toEqual([
      ['error', { type: 'forbidden', description: 'policy' }, 'q'],
      ['Core/echo', { x: 1 }, 'e'],
    ]);
  });
});

describe(parseClientMessage.name, () => {
  it('reads a WebSocketPushEnable with a push state', () => {
    const result = parseClientMessage(
      JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: null, pushState: '7' }),
      DEFAULT_CORE_LIMITS,
    );
    expect(result).toEqual({ ok: true, message: { kind: 'pushEnable', dataTypes: null, pushState: '7' } });
  });

  it('answers notRequest for an unknown @type, keeping the request id', () => {
    const result = parseClientMessage(JSON.stringify({ '@type': 'Bogus', id: 'r1' }), DEFAULT_CORE_LIMITS);
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.id).toBe('r1');
  });
});

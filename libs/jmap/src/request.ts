import { SUPPORTED_CAPABILITIES, type CoreLimits } from './capabilities.js';
import { requestError, type ProblemDetails } from './errors.js';

export type Invocation = [name: string, args: Record<string, unknown>, callId: string];

export interface JmapRequest {
  using: string[];
  methodCalls: Invocation[];
  createdIds?: Record<string, string>;
}

export interface JmapResponse {
  methodResponses: Invocation[];
  sessionState: string;
  createdIds?: Record<string, string>;
}

export type ParseResult = { ok: true; request: JmapRequest } | { ok: false; problem: ProblemDetails };

const MAX_JSON_DEPTH = 64;

/** Parses request bytes; the checks RFC 8620 §3.6.1 asks for, in its order. */
export function parseRequestBody(body: string | Buffer, limits: CoreLimits): ParseResult {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > limits.maxSizeRequest) {
    return {
      ok: false,
      problem: requestError(
        'limit',
        `request is ${size} bytes; maxSizeRequest is ${limits.maxSizeRequest}`,
        'maxSizeRequest',
      ),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return { ok: false, problem: requestError('notJSON', 'the request body is not valid JSON') };
  }
  return validateRequest(json, limits);
}

export function validateRequest(json: unknown, limits: CoreLimits): ParseResult {
  if (depthOf(json) > MAX_JSON_DEPTH) {
    return {
      ok: false,
      problem: requestError('notRequest', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`),
    };
  }
  if (!isObject(json))
    return { ok: false, problem: requestError('notRequest', 'the request must be a JSON object') };
  const { using, methodCalls, createdIds } = json;
  if (!Array.isArray(using) || !using.every((item) => typeof item === 'string')) {
    return {
      ok: false,
      problem: requestError('notRequest', '"using" must be an array of capability strings'),
    };
  }
  if (!Array.isArray(methodCalls)) {
    return { ok: false, problem: requestError('notRequest', '"methodCalls" must be an array') };
  }
  for (const [index, call] of methodCalls.entries()) {
    if (
      !Array.isArray(call) ||
      call.length !== 3 ||
      typeof call[0] !== 'string' ||
      !isObject(call[1]) ||
      typeof call[2] !== 'string'
    ) {
      return {
        ok: false,
        problem: requestError(
          'notRequest',
          `methodCalls[${index}] must be [name: string, arguments: object, callId: string]`,
        ),
      };
    }
  }
  if (createdIds !== undefined && !isStringRecord(createdIds)) {
    return { ok: false, problem: requestError('notRequest', '"createdIds" must map ids to ids') };
  }
  const unknown = (using as string[]).filter(
    (capability) => !(SUPPORTED_CAPABILITIES as readonly string[]).includes(capability),
  );
  if (unknown.length > 0) {
    return {
      ok: false,
      problem: requestError('unknownCapability', `unknown capabilities: ${unknown.join(', ')}`),
    };
  }
  if (methodCalls.length > limits.maxCallsInRequest) {
    return {
      ok: false,
      problem: requestError(
        'limit',
        `${methodCalls.length} method calls; maxCallsInRequest is ${limits.maxCallsInRequest}`,
        'maxCallsInRequest',
      ),
    };
  }
  return {
    ok: true,
    request: {
      using: using as string[],
      methodCalls: methodCalls as Invocation[],
      ...(createdIds ? { createdIds: createdIds as Record<string, string> } : {}),
    },
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((item) => typeof item === 'string');
}

function depthOf(value: unknown): number {
  // Iterative, so hostile nesting cannot overflow the stack.
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    if (max > MAX_JSON_DEPTH) return max;
    if (typeof node === 'object' && node !== null) {
      for (const child of Object.values(node)) {
        if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
      }
    }
  }
  return max;
}

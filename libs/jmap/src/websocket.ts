import type { CoreLimits } from './capabilities.js';
import { requestError, type ProblemDetails } from './errors.js';
import { isObject, validateRequest, type JmapRequest, type Invocation } from './request.js';

/** Messages a client sends over the JMAP WebSocket subprotocol (RFC 8887 §4.3). */
export type ClientMessage =
  | { kind: 'request'; id?: string; request: JmapRequest }
  | { kind: 'pushEnable'; dataTypes: string[] | null; pushState?: string }
  | { kind: 'pushDisable' };

export type ClientMessageResult =
  { ok: true; message: ClientMessage } | { ok: false; id?: string; problem: ProblemDetails };

export function parseClientMessage(text: string, limits: CoreLimits): ClientMessageResult {
  if (Buffer.byteLength(text) > limits.maxSizeRequest) {
    return {
      ok: false,
      problem: requestError(
        'limit',
        `message over maxSizeRequest (${limits.maxSizeRequest} bytes)`,
        'maxSizeRequest',
      ),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: requestError('notJSON', 'the message is not valid JSON') };
  }
  if (!isObject(json))
    return { ok: false, problem: requestError('notRequest', 'the message must be a JSON object') };
  const id = typeof json['id'] === 'string' ? json['id'] : undefined;
  switch (json['@type']) {
    case 'Request': {
      const parsed = validateRequest(json, limits);
      if (!parsed.ok) return { ok: false, ...(id !== undefined ? { id } : {}), problem: parsed.problem };
      return {
        ok: true,
        message: { kind: 'request', ...(id !== undefined ? { id } : {}), request: parsed.request },
      };
    }
    case 'WebSocketPushEnable': {
      const dataTypes = json['dataTypes'];
      const pushState = json['pushState'];
      if (
        dataTypes !== null &&
        dataTypes !== undefined &&
        !(Array.isArray(dataTypes) && dataTypes.every((t) => typeof t === 'string'))
      ) {
        return {
          ok: false,
          problem: requestError('notRequest', '"dataTypes" must be null or an array of type names'),
        };
      }
      if (pushState !== undefined && pushState !== null && typeof pushState !== 'string') {
        return { ok: false, problem: requestError('notRequest', '"pushState" must be a string') };
      }
      return {
        ok: true,
        message: {
          kind: 'pushEnable',
          dataTypes: (dataTypes as string[] | null | undefined) ?? null,
          ...(typeof pushState === 'string' ? { pushState } : {}),
        },
      };
    }
    case 'WebSocketPushDisable':
      return { ok: true, message: { kind: 'pushDisable' } };
    default:
      return {
        ok: false,
        ...(id !== undefined ? { id } : {}),
        problem: requestError(
          'notRequest',
          `unknown "@type": expected Request, WebSocketPushEnable or WebSocketPushDisable`,
        ),
      };
  }
}

export function responseMessage(
  requestId: string | undefined,
  methodResponses: Invocation[],
  sessionState: string,
): string {
  return JSON.stringify({
    '@type': 'Response',
    ...(requestId !== undefined ? { requestId } : {}),
    methodResponses,
    sessionState,
  });
}

export function requestErrorMessage(requestId: string | undefined, problem: ProblemDetails): string {
  return JSON.stringify({
    '@type': 'RequestError',
    ...(requestId !== undefined ? { requestId } : {}),
    ...problem,
  });
}

/** A StateChange (RFC 8620 §7.1) for one account, with the push state a client can resume from. */
export function stateChangeMessage(
  accountId: string,
  changed: Record<string, string>,
  pushState?: string,
): string {
  return JSON.stringify({
    '@type': 'StateChange',
    changed: { [accountId]: changed },
    ...(pushState !== undefined ? { pushState } : {}),
  });
}

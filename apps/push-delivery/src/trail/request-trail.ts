import { SetMetadata } from '@nestjs/common';
import type { DeviceTrailRecordV1 } from '@pushmail/contracts';
import type { Invocation, JmapResponse, ProblemDetails } from '@pushmail/jmap';

export type RequestTrail = NonNullable<DeviceTrailRecordV1['request']>;

/** What came of a JMAP request: the responses, or the request-level error it was refused with. */
export type RequestOutcome =
  | { ok: true; response: Pick<JmapResponse, 'methodResponses'> }
  | { ok: false; problem: Pick<ProblemDetails, 'type'> };

const MAX_METHODS = 64;
const ERROR_PREFIX = 'urn:ietf:params:jmap:error:';

/**
 * The `request` part of a trail record, the same whichever transport carried the request: the
 * method names called, and the first error, so a reader sees which call failed and how. A
 * request refused before any method ran (not JSON, over a limit) has no methods.
 */
export function requestTrail(
  methodCalls: readonly Invocation[],
  outcome: RequestOutcome,
  durationMs: number,
): RequestTrail {
  const failure = !outcome.ok
    ? `request error: ${outcome.problem.type.replace(ERROR_PREFIX, '')}`
    : methodError(outcome.response.methodResponses);
  return {
    methods: methodCalls.slice(0, MAX_METHODS).map(([name]) => name.slice(0, 100)),
    ok: failure === undefined,
    durationMs: Math.max(0, Math.round(durationMs)),
    ...(failure !== undefined ? { error: failure.slice(0, 200) } : {}),
  };
}

function methodError(responses: readonly Invocation[]): string | undefined {
  const failed = responses.find(([name]) => name === 'error');
  if (!failed) return undefined;
  return String((failed[1] as { type?: unknown }).type ?? 'error');
}

export const TRAILS_JMAP_METHODS = 'pushmail:trailsJmapMethods';

/**
 * Marks a device route that records its requests in the trail by JMAP method name, so the auth
 * guard does not also record it by route.
 */
export const TrailsJmapMethods = (): MethodDecorator & ClassDecorator =>
  SetMetadata(TRAILS_JMAP_METHODS, true);

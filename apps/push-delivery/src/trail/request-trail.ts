import { SetMetadata } from '@nestjs/common';
import type { DeviceTrailRecordV1 } from '@pushmail/contracts';
import { type Invocation, type JmapResponse, type ProblemDetails, requestErrorName } from '@pushmail/jmap';

export type RequestTrail = NonNullable<DeviceTrailRecordV1['request']>;

/** What came of a JMAP request: the responses, or the request-level error it was refused with. */
export type RequestOutcome =
  | { ok: true; response: Pick<JmapResponse, 'methodResponses'> }
  | { ok: false; problem: Pick<ProblemDetails, 'type'> };

const MAX_METHODS = 64;

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
    ? `request error: ${requestErrorName(outcome.problem.type)}`
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

export type SendTrail = NonNullable<DeviceTrailRecordV1['sends']>[number];

const MAX_SENDS = 64;

/**
 * The messages a JMAP request sent, for the trail: each create of its EmailSubmission/set calls,
 * with the submission and email ids, the envelope's recipient count (from the envelope the server
 * answered with, or the one the device gave) and the outcome. No address is kept, only the count.
 */
export function sendsTrail(methodCalls: readonly Invocation[], outcome: RequestOutcome): SendTrail[] {
  const sends: SendTrail[] = [];
  for (const [name, args, callId] of methodCalls) {
    if (name !== 'EmailSubmission/set' || !isRecord(args['create'])) continue;
    const answer = outcome.ok
      ? outcome.response.methodResponses.find(([, , id]) => id === callId)
      : undefined;
    const failedAs =
      answer === undefined
        ? outcome.ok
          ? 'serverFail'
          : requestErrorName(outcome.problem.type)
        : answer[0] === 'error'
          ? String((answer[1] as { type?: unknown }).type ?? 'error')
          : undefined;
    const created = answer && isRecord(answer[1]['created']) ? answer[1]['created'] : {};
    const notCreated = answer && isRecord(answer[1]['notCreated']) ? answer[1]['notCreated'] : {};
    for (const [creationId, given] of Object.entries(args['create'])) {
      if (sends.length >= MAX_SENDS) return sends;
      const input = isRecord(given) ? given : {};
      const emailId =
        typeof input['emailId'] === 'string' && !input['emailId'].startsWith('#')
          ? input['emailId']
          : undefined;
      const made = created[creationId];
      if (failedAs === undefined && isRecord(made) && typeof made['id'] === 'string') {
        const recipients = recipientCount(made['envelope']) ?? recipientCount(input['envelope']);
        sends.push({
          submissionId: made['id'].slice(0, 64),
          ...(emailId ? { emailId: emailId.slice(0, 64) } : {}),
          ...(recipients === undefined ? {} : { recipients }),
          outcome: made['undoStatus'] === 'pending' ? 'pending' : 'sent',
        });
        continue;
      }
      const refusal = notCreated[creationId];
      const type = isRecord(refusal) && typeof refusal['type'] === 'string' ? refusal['type'] : failedAs;
      sends.push({
        ...(emailId ? { emailId: emailId.slice(0, 64) } : {}),
        outcome: 'refused',
        error: (type ?? 'serverFail').slice(0, 100),
      });
    }
  }
  return sends;
}

function recipientCount(envelope: unknown): number | undefined {
  if (!isRecord(envelope) || !Array.isArray(envelope['rcptTo'])) return undefined;
  return Math.min(envelope['rcptTo'].length, 100_000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `sends` part of a trail record, left out when the request sent nothing. */
export function withSends(sends: SendTrail[]): { sends?: SendTrail[] } {
  return sends.length > 0 ? { sends } : {};
}

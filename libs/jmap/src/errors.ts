import type { Invocation } from './request.js';

/** Request-level problems (RFC 8620 §3.6.1), answered as RFC 7807 problem details. */
export type RequestErrorType = 'unknownCapability' | 'notJSON' | 'notRequest' | 'limit';

/** What every request-level problem type starts with (RFC 8620 §3.6.1). */
export const REQUEST_ERROR_PREFIX = 'urn:ietf:params:jmap:error:';

export type RequestErrorUrn = `${typeof REQUEST_ERROR_PREFIX}${RequestErrorType}`;

/** The problem type URN of each request-level error, as clients see it in `type`. */
export const UNKNOWN_CAPABILITY_ERROR =
  'urn:ietf:params:jmap:error:unknownCapability' satisfies RequestErrorUrn;
export const NOT_JSON_ERROR = 'urn:ietf:params:jmap:error:notJSON' satisfies RequestErrorUrn;
export const NOT_REQUEST_ERROR = 'urn:ietf:params:jmap:error:notRequest' satisfies RequestErrorUrn;
export const LIMIT_ERROR = 'urn:ietf:params:jmap:error:limit' satisfies RequestErrorUrn;

/** The short name of a request-level problem type (`limit` for its URN); other strings as they are. */
export function requestErrorName(type: string): string {
  return type.startsWith(REQUEST_ERROR_PREFIX) ? type.slice(REQUEST_ERROR_PREFIX.length) : type;
}

export interface ProblemDetails {
  type: RequestErrorUrn;
  status: number;
  detail: string;
  limit?: string;
  /** With a rate limit: how long until the client may try again. */
  retryAfterMs?: number;
}

export function requestError(type: RequestErrorType, detail: string, limit?: string): ProblemDetails {
  return {
    type: `${REQUEST_ERROR_PREFIX}${type}`,
    status: 400,
    detail,
    ...(limit ? { limit } : {}),
  };
}

/**
 * A request-level problem found while the request ran, after it parsed (a budget went past its
 * limit): the whole request is answered with `problem`, as if it had been refused at the door.
 */
export class RequestProblem extends Error {
  override readonly name = 'RequestProblem';

  constructor(readonly problem: ProblemDetails) {
    super(problem.detail);
  }
}

/** Method-level error types (RFC 8620 §3.6.2 and the per-method errors of RFC 8620/8621). */
export type MethodErrorType =
  | 'serverUnavailable'
  | 'serverFail'
  | 'serverPartialFail'
  | 'unknownMethod'
  | 'invalidArguments'
  | 'invalidResultReference'
  | 'forbidden'
  | 'accountNotFound'
  | 'accountNotSupportedByMethod'
  | 'fromAccountNotFound'
  | 'fromAccountNotSupportedByMethod'
  | 'accountReadOnly'
  | 'requestTooLarge'
  | 'cannotCalculateChanges'
  | 'stateMismatch'
  | 'anchorNotFound'
  | 'unsupportedSort'
  | 'unsupportedFilter'
  | 'tooManyChanges'
  | 'policyAcknowledgementRequired';

/** Thrown by a method handler; becomes an `["error", {type, description}, callId]` response. */
export class MethodError extends Error {
  constructor(
    readonly type: MethodErrorType,
    description?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description ?? type);
  }

  toResponseArguments(): Record<string, unknown> {
    return {
      type: this.type,
      ...(this.message !== this.type ? { description: this.message } : {}),
      ...this.extra,
    };
  }
}

/** An error method response, `["error", {type, description, ...extra}, callId]` (RFC 8620 §3.6.2). */
export function methodErrorResponse(
  type: MethodErrorType,
  description: string,
  callId: string,
  extra: Record<string, unknown> = {},
): Invocation {
  return ['error', { type, description, ...extra }, callId];
}

/** Why one object of a /set, /copy or /import was not created, updated or destroyed (RFC 8620 §5.3). */
export type SetErrorType =
  | 'forbidden'
  | 'overQuota'
  | 'tooLarge'
  | 'rateLimit'
  | 'notFound'
  | 'invalidPatch'
  | 'willDestroy'
  | 'invalidProperties'
  | 'singleton'
  | 'alreadyExists'
  | 'mailboxHasChild'
  | 'mailboxHasEmail'
  | 'blobNotFound'
  | 'tooManyKeywords'
  | 'tooManyMailboxes'
  | 'invalidEmail'
  // EmailSubmission/set (RFC 8621 §7.5)
  | 'forbiddenMailFrom'
  | 'forbiddenFrom'
  | 'forbiddenToSend'
  | 'tooManyRecipients'
  | 'noRecipients'
  | 'invalidRecipients'
  | 'cannotUnsend'
  | 'emailNotFound';

export interface SetError {
  type: SetErrorType;
  description?: string;
  properties?: string[];
  notFound?: string[];
  existingId?: string;
  /** tooLarge on a submission: the largest message the server sends. */
  maxSize?: number;
  /** tooManyRecipients: the most recipients one submission may have. */
  maxRecipients?: number;
  /** invalidRecipients: the addresses that are not valid. */
  invalidRecipients?: string[];
}

export function setError(
  type: SetErrorType,
  description?: string,
  extra: Omit<SetError, 'type' | 'description'> = {},
): SetError {
  return { type, ...(description !== undefined ? { description } : {}), ...extra };
}

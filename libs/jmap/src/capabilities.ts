export const CORE_CAPABILITY = 'urn:ietf:params:jmap:core';
export const MAIL_CAPABILITY = 'urn:ietf:params:jmap:mail';
export const WEBSOCKET_CAPABILITY = 'urn:ietf:params:jmap:websocket';
/** pushmail's device management extension: policies, their acknowledgement and remote wipe. */
export const DEVICE_CAPABILITY = 'urn:pushmail:params:jmap:device';
/** Web Push with VAPID (RFC 9749): advertised only where push-delivery has a VAPID key. */
export const WEBPUSH_VAPID_CAPABILITY = 'urn:ietf:params:jmap:webpush-vapid';
/** Identities and sending mail (RFC 8621 §6–7). */
export const SUBMISSION_CAPABILITY = 'urn:ietf:params:jmap:submission';

/**
 * The account capability of submission (RFC 8621 §1.3.2): with a hold allowed, FUTURERELEASE
 * (RFC 4865) with its ehlo-args, the longest hold in seconds and the latest release time, which
 * moves with the clock; `maxDelayedSend` is that hold.
 */
export function submissionAccountCapability(
  maxHoldSeconds: number,
  now: Date = new Date(),
): { maxDelayedSend: number; submissionExtensions: Record<string, string[]> } {
  if (maxHoldSeconds <= 0) return { maxDelayedSend: 0, submissionExtensions: {} };
  const latest = new Date(now.getTime() + maxHoldSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    maxDelayedSend: maxHoldSeconds,
    submissionExtensions: { FUTURERELEASE: [String(maxHoldSeconds), latest] },
  };
}
/**
 * The limits mailbox enforces that the session resource advertises, as mailbox serves them on
 * `GET /internal/jmap/limits` to push-delivery, which builds the session.
 */
export interface MailboxLimits {
  /** `SUBMISSION_MAX_HOLD_SECONDS`: the longest FUTURERELEASE hold, `maxDelayedSend`; 0 offers none. */
  submission: { maxHoldSeconds: number };
}

/** VacationResponse/get and /set (RFC 8621 §8). */
export const VACATION_RESPONSE_CAPABILITY = 'urn:ietf:params:jmap:vacationresponse';

/** The core limits a server advertises in its session resource and enforces (RFC 8620 §2). */
export interface CoreLimits {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
  collationAlgorithms: string[];
}

export const DEFAULT_CORE_LIMITS: CoreLimits = {
  maxSizeUpload: 50_000_000,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10_000_000,
  maxConcurrentRequests: 4,
  maxCallsInRequest: 32,
  maxObjectsInGet: 500,
  maxObjectsInSet: 500,
  collationAlgorithms: ['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'],
};

export const SUPPORTED_CAPABILITIES = [
  CORE_CAPABILITY,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
  VACATION_RESPONSE_CAPABILITY,
  WEBSOCKET_CAPABILITY,
  DEVICE_CAPABILITY,
] as const;

const CAPABILITY_OF_TYPE: Readonly<Record<string, string>> = {
  Core: CORE_CAPABILITY,
  Blob: CORE_CAPABILITY,
  Mailbox: MAIL_CAPABILITY,
  Thread: MAIL_CAPABILITY,
  Email: MAIL_CAPABILITY,
  SearchSnippet: MAIL_CAPABILITY,
  Identity: SUBMISSION_CAPABILITY,
  EmailSubmission: SUBMISSION_CAPABILITY,
  VacationResponse: VACATION_RESPONSE_CAPABILITY,
};

/**
 * The capability a method belongs to, by its type name; a call whose capability the request did not
 * list in `using` is an unknownMethod (RFC 8620 §3.3).
 */
export function capabilityOfMethod(method: string): string | undefined {
  const slash = method.indexOf('/');
  return slash <= 0 ? undefined : CAPABILITY_OF_TYPE[method.slice(0, slash)];
}

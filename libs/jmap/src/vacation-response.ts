/** RFC 8621 §8: the one VacationResponse of an account has this id. */
export const VACATION_RESPONSE_ID = 'singleton';

/** A VacationResponse (RFC 8621 §8.1) without its id, as VacationResponse/get answers and /set takes it. */
export interface VacationResponseValue {
  isEnabled: boolean;
  fromDate: string | null;
  toDate: string | null;
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
}

/**
 * The VacationResponse that is off: what an account that never set one has, and what turning it
 * off from a phone writes. Every field is null, so it fits mailbox's stored shape as well as the
 * wire's.
 */
export const DISABLED_VACATION = Object.freeze({
  isEnabled: false,
  fromDate: null,
  toDate: null,
  subject: null,
  textBody: null,
  htmlBody: null,
} as const);

import { isObject, type SetError, setError, VACATION_RESPONSE_ID } from '@pushmail/jmap';
import type { RawHeader } from '../mime/body-structure.js';

/** RFC 3834 §2: a sender is answered at most once in this many days (its recommended 7). */
export const VACATION_REPLY_PERIOD_DAYS = 7;
const MAX_SUBJECT_LENGTH = 998;
const MAX_BODY_LENGTH = 1_000_000;

export interface VacationResponse {
  isEnabled: boolean;
  fromDate: Date | null;
  toDate: Date | null;
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
}

export const VACATION_PROPERTIES = [
  'id',
  'isEnabled',
  'fromDate',
  'toDate',
  'subject',
  'textBody',
  'htmlBody',
];

/** The VacationResponse object (RFC 8621 §8.1) with these properties (`id` always). */
export function vacationView(
  vacation: VacationResponse,
  properties: readonly string[],
): Record<string, unknown> {
  const all: Record<string, unknown> = {
    id: VACATION_RESPONSE_ID,
    isEnabled: vacation.isEnabled,
    fromDate: vacation.fromDate && utc(vacation.fromDate),
    toDate: vacation.toDate && utc(vacation.toDate),
    subject: vacation.subject,
    textBody: vacation.textBody,
    htmlBody: vacation.htmlBody,
  };
  const view: Record<string, unknown> = { id: VACATION_RESPONSE_ID };
  for (const property of properties) if (property in all) view[property] = all[property];
  return view;
}

/** A VacationResponse/set update applied, or the SetError it is (invalidProperties, naming them). */
export function applyVacationPatch(
  current: VacationResponse,
  patch: unknown,
): { ok: true; vacation: VacationResponse } | { ok: false; error: SetError } {
  if (!isObject(patch)) {
    return {
      ok: false,
      error: setError('invalidProperties', 'a patch must be an object', { properties: ['*'] }),
    };
  }
  const next = { ...current };
  const bad: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'isEnabled':
        if (typeof value === 'boolean') next.isEnabled = value;
        else bad.push(key);
        break;
      case 'fromDate':
      case 'toDate': {
        const date = utcDate(value);
        if (date === undefined) bad.push(key);
        else next[key] = date;
        break;
      }
      case 'subject':
      case 'textBody':
      case 'htmlBody': {
        const limit = key === 'subject' ? MAX_SUBJECT_LENGTH : MAX_BODY_LENGTH;
        if (value === null) next[key] = null;
        else if (
          typeof value === 'string' &&
          value.length <= limit &&
          value.isWellFormed() &&
          !value.includes('\u0000') &&
          !(key === 'subject' && /[\r\n]/.test(value))
        )
          next[key] = value;
        else bad.push(key);
        break;
      }
      default:
        // `id` is immutable and server-set; anything else is no property of this type.
        bad.push(key);
    }
  }
  if (bad.length > 0) {
    return {
      ok: false,
      error: setError('invalidProperties', 'these properties are invalid or cannot be set', {
        properties: bad.map((key) => key.replace(/[^\x20-\x7e]/g, '?').slice(0, 64)),
      }),
    };
  }
  return { ok: true, vacation: next };
}

/** RFC 8621 §8.1: enabled, and `now` within [fromDate, toDate) where given. */
export function isVacationActive(vacation: VacationResponse, now: Date): boolean {
  return (
    vacation.isEnabled &&
    (vacation.fromDate === null || vacation.fromDate <= now) &&
    (vacation.toDate === null || now < vacation.toDate)
  );
}

/**
 * Why a message must not be answered automatically (RFC 3834 §2 and §5), or null when it may be:
 * no envelope sender, a sender that is a robot or a list, a message that says it was sent
 * automatically or in bulk or by a list, or one not addressed to the account by name.
 */
export function autoReplyRefusal(
  headers: readonly RawHeader[],
  envelopeSender: string,
  accountAddress: string,
): string | null {
  const sender = envelopeSender.toLowerCase();
  if (sender === '' || sender === '<>') return 'no envelope sender';
  const local = sender.split('@')[0] ?? '';
  if (
    /^(mailer-daemon|postmaster|listserv|majordomo|owner-.*|.*-request|.*-owner|no-?reply.*)$/.test(local) ||
    sender === accountAddress.toLowerCase()
  ) {
    return 'the sender is a robot, a list or the account itself';
  }
  const value = (name: string) =>
    headers
      .filter((header) => header.name.toLowerCase() === name)
      .map((header) => header.value.trim().toLowerCase());
  const autoSubmitted = value('auto-submitted');
  if (autoSubmitted.some((field) => field !== 'no')) return 'Auto-Submitted';
  if (value('precedence').some((field) => /^(bulk|list|junk)\b/.test(field))) return 'Precedence';
  for (const name of [
    'list-id',
    'list-unsubscribe',
    'list-post',
    'x-auto-response-suppress',
    'x-autoreply',
  ]) {
    if (value(name).length > 0) return name;
  }
  const addressedTo = ['to', 'cc', 'bcc', 'resent-to', 'resent-cc']
    .flatMap(value)
    .some((field) => field.includes(accountAddress.toLowerCase()));
  if (!addressedTo) return 'the account is not named in To, Cc or Bcc';
  return null;
}

/** The subject of a reply: the vacation's own, or "Auto: " and the original's (RFC 3834 §3.1.5). */
export function autoReplySubject(vacation: VacationResponse, originalSubject: string | null): string {
  if (vacation.subject) return vacation.subject;
  return `Auto: ${(originalSubject ?? '').slice(0, 900).replace(/\s*[\r\n]+\s*/g, ' ')}`.trimEnd();
}

function utc(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** A UTCDate (RFC 8620 §1.4) or null; undefined when it is neither. */
function utcDate(value: unknown): Date | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value))
    return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

import type { EmailAddressValue } from '../emails/email.js';

/** Longer keys sort the same as their first characters; capping keeps the index small. */
const MAX_SORT_KEY_LENGTH = 256;

/** Leading reply and forward markers, with an optional `[list]` tag or counter, as RFC 5256 §2.1 strips. */
const SUBJECT_PREFIX = /^\s*(?:\[[^\]]*\]\s*)?(?:(?:re|fwd?|aw|sv|antw|vs|wg)(?:\s*\[\d+\])?\s*:\s*)+/i;
const SUBJECT_TRAILER = /\s*\((?:fwd)\)\s*$/i;

/**
 * The base subject (RFC 5256 §2.1, simplified): the subject without reply/forward prefixes and
 * trailers, whitespace collapsed. Used to sort by subject and to keep unrelated replies out of a thread.
 */
export function baseSubject(subject: string | null): string {
  let value = (subject ?? '').replace(/\s+/g, ' ').trim();
  for (;;) {
    const stripped = value.replace(SUBJECT_PREFIX, '').replace(SUBJECT_TRAILER, '').trim();
    if (stripped === value) break;
    value = stripped;
  }
  return value;
}

/** The subject sort key (collation i;unicode-casemap). */
export function subjectSortKey(subject: string | null): string {
  return baseSubject(subject).toLowerCase().slice(0, MAX_SORT_KEY_LENGTH);
}

/**
 * The `from` / `to` sort key of RFC 8621 §4.4.2: the name of the first address, or its email when the
 * name is empty, or the empty string.
 */
export function addressSortKey(addresses: readonly EmailAddressValue[] | null): string {
  const first = addresses?.[0];
  if (!first) return '';
  const key = first.name && first.name.trim().length > 0 ? first.name.trim() : first.email;
  return key.toLowerCase().slice(0, MAX_SORT_KEY_LENGTH);
}

import type { EmailAddressValue } from '../emails/email.js';

/** Longer keys sort the same as their first characters; capping keeps the index small. */
const MAX_SORT_KEY_LENGTH = 256;

/**
 * Leading reply and forward markers, with an optional `[list]` tag or counter, as RFC 5256 §2.1 strips;
 * sticky, so it only ever looks at the position it is asked about.
 */
const SUBJECT_PREFIX = /\s*(?:\[[^\]]*\]\s*)?(?:(?:re|fwd?|aw|sv|antw|vs|wg)(?:\s*\[\d+\])?\s*:\s*)+/iy;
const TRAILER = '(fwd)';

/**
 * The base subject (RFC 5256 §2.1, simplified): the subject without reply/forward prefixes and
 * trailers, whitespace collapsed. Used to sort by subject and to keep unrelated replies out of a thread.
 *
 * Linear in the subject: the prefixes and trailers are stripped by moving two indexes towards each
 * other, never by cutting a new string per marker (a subject of thousands of `(fwd)` would otherwise
 * cost quadratic time), and the prefix is tried at most once per position.
 */
export function baseSubject(subject: string | null): string {
  const value = (subject ?? '').replace(/\s+/g, ' ');
  let start = 0;
  let end = value.length;
  let failedPrefixAt = -1;
  for (;;) {
    const before = { start, end };
    while (start < end && value[start] === ' ') start += 1;
    while (end > start && value[end - 1] === ' ') end -= 1;
    if (start !== failedPrefixAt) {
      SUBJECT_PREFIX.lastIndex = start;
      // What lies past `end` is only trailers and spaces, which a prefix never reaches into but its
      // trailing spaces.
      if (SUBJECT_PREFIX.test(value)) start = Math.min(SUBJECT_PREFIX.lastIndex, end);
      else failedPrefixAt = start;
    }
    if (end - start >= TRAILER.length && value.slice(end - TRAILER.length, end).toLowerCase() === TRAILER)
      end -= TRAILER.length;
    if (start === before.start && end === before.end) return value.slice(start, end);
  }
}

/** The subject sort key (collation i;unicode-casemap). */
export function subjectSortKey(subject: string | null): string {
  return sortKey(baseSubject(subject));
}

/**
 * The `from` / `to` sort key of RFC 8621 §4.4.2: the name of the first address, or its email when the
 * name is empty, or the empty string.
 */
export function addressSortKey(addresses: readonly EmailAddressValue[] | null): string {
  const first = addresses?.[0];
  if (!first) return '';
  const name = first.name?.trim() ?? '';
  return sortKey(name.length > 0 ? name : first.email);
}

/**
 * The first characters of `text`, case folded. Only what the key keeps is folded (lower case may
 * be longer than upper case, hence the margin): the cost does not grow with the text.
 */
function sortKey(text: string): string {
  return text
    .slice(0, 2 * MAX_SORT_KEY_LENGTH)
    .toLowerCase()
    .slice(0, MAX_SORT_KEY_LENGTH);
}

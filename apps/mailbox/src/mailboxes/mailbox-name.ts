/** RFC 8621 §2: `maxSizeMailboxName`, in UTF-8 octets as the capability counts them. */
export const MAX_MAILBOX_NAME_BYTES = 255;

/**
 * Characters a Net-Unicode string (RFC 5198 §2, which RFC 8621 §2 requires of a mailbox name) may
 * not hold: the C0 controls (NUL included), DEL, the C1 controls, and the line and paragraph
 * separators. A lone surrogate is no character at all and is refused before this is asked.
 */
const NOT_NET_UNICODE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * A mailbox name as the store keeps it, or null when the name cannot be one: not a string, empty or
 * only white space, longer than `MAX_MAILBOX_NAME_BYTES`, not well-formed Unicode or holding a
 * character Net-Unicode forbids. Names are kept in Normalization Form C (RFC 5198 §2), so that two
 * spellings of one name are one sibling name.
 */
export function mailboxName(value: unknown): string | null {
  if (typeof value !== 'string' || !value.isWellFormed()) return null;
  const name = value.normalize('NFC');
  if (name.trim().length === 0 || NOT_NET_UNICODE.test(name)) return null;
  if (Buffer.byteLength(name, 'utf8') > MAX_MAILBOX_NAME_BYTES) return null;
  return name;
}

import { randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A JMAP Id that cannot be guessed from another one: `prefix` plus `length` random base32
 * characters (5 bits each, so 20 characters carry 100 bits). 256 is a multiple of 32, so masking
 * a byte keeps every character equally likely.
 */
export function randomId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += BASE32[byte & 31];
  return id;
}

export const newEmailId = (): string => randomId('M');
export const newThreadId = (): string => randomId('T');
export const newMailboxId = (): string => randomId('F', 10);

/** Only the characters RFC 8620 §1.2 allows in an Id, so anything else is known not to exist. */
export function isJmapId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,255}$/.test(value);
}

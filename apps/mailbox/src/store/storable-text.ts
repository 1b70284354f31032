/**
 * PostgreSQL's `text` and `jsonb` hold only valid Unicode without NUL, and a message can carry
 * anything: an RFC 2047 word such as `=?UTF-16BE?B?2AA=?=` decodes to a lone UTF-16 surrogate, a
 * header or a body may hold a NUL. A row refused for that would turn an accepted message into a dead
 * letter, so everything a message makes of a row passes through here first and is stored the way a
 * mail client shows it: a lone surrogate as U+FFFD, a NUL not at all.
 */
export function storableText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

/**
 * `value` with every string in it made storable, object keys included, deeply: strings, arrays and
 * plain objects are rebuilt, everything else (numbers, dates, null) is kept as it is. Linear in the
 * size of `value`.
 */
export function storable<T>(value: T): T {
  return storableValue(value) as T;
}

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) result[storableText(key)] = storableValue(entry);
    return result;
  }
  return value;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

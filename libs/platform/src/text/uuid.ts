const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is a UUID in its usual text form (accounts, subscriptions): a value that holds no
 * quote, space or comment and may be written into a statement's text.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A value as an API answer carries it: a date as its ISO 8601 string. */
export type ApiValue<V> = V extends Date ? string : V;

export type ApiView<T, K extends keyof T> = { [P in K]: ApiValue<T[P]> };

/** The named fields of a stored row as an API answer shows them, in that order, dates as ISO strings. */
export function apiView<T, K extends keyof T>(row: T, keys: readonly K[]): ApiView<T, K> {
  const view: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    const value = row[key];
    view[key] = value instanceof Date ? value.toISOString() : value;
  }
  return view as ApiView<T, K>;
}

/** Results a Search or Find returns at the most per request. */
export const MAX_SEARCH_RESULTS = 100;
/** Longest free text a Search or Find accepts. */
const MAX_FREE_TEXT = 256;

/** The free text a Search or Find asks for, trimmed; undefined when it is empty or too long. */
export function searchText(freeText: string | undefined): string | undefined {
  const text = freeText?.trim();
  return text && text.length <= MAX_FREE_TEXT ? text : undefined;
}

/** The results a request without a Range gets. */
export const FIRST_RESULTS = { first: 0, count: MAX_SEARCH_RESULTS } as const;

/**
 * The results a Search or Find asks for by its Range (`first-last`, zero-based and inclusive;
 * FIRST_RESULTS when it has none): from `first`, at most MAX_SEARCH_RESULTS. Undefined when the
 * Range is malformed.
 */
export function searchRange(range: string | undefined): { first: number; count: number } | undefined {
  if (range === undefined) return FIRST_RESULTS;
  const bounds = /^(\d{1,6})-(\d{1,6})$/.exec(range);
  if (!bounds) return undefined;
  const first = Number(bounds[1]);
  const last = Math.max(first, Math.min(Number(bounds[2]), first + MAX_SEARCH_RESULTS - 1));
  return { first, count: last - first + 1 };
}

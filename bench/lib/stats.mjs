// Small statistics helpers: nearest-rank percentiles and medians of repeated runs.

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50/p95/p99/max of a sample, rounded to 0.1 ms; null fields when nothing was measured. */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  const round = (value) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
    count: sorted.length,
  };
}

export function median(values) {
  const present = values
    .filter((value) => typeof value === 'number' && Number.isFinite(value))
    .sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  return present.length % 2 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
}

/** The median, field by field, of several summaries (each repeat's p50, p95, …). */
export function medianOfSummaries(summaries) {
  const fields = ['p50', 'p95', 'p99', 'max'];
  const result = {};
  for (const field of fields) result[field] = median(summaries.map((summary) => summary?.[field]));
  result.count = summaries.reduce((total, summary) => total + (summary?.count ?? 0), 0);
  return result;
}

/** Monotonic milliseconds, comparable between processes of one machine (CLOCK_MONOTONIC). */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Pauses of each process over a measured window: garbage-collection time by kind, and event-loop
// delay. Services are read from their /metrics (prom-client's default metrics) before and after
// the window; the bench's own processes (the load generator, the device workers) watch themselves
// with perf_hooks. Cheap: two scrapes per service per window, and in the bench's processes a GC
// observer, the event-loop delay histogram and one 20 ms timer.
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { nowMs } from './stats.mjs';

/** prom-client's names for V8's kinds of collection (its `kind` label). */
const GC_KIND_NAMES = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
/** As prom-client's default (`eventLoopMonitoringPrecision`), so both sides measure alike. */
const DELAY_RESOLUTION_MS = 10;
const TICK_MS = 20;

export function gcKindName(kind) {
  return GC_KIND_NAMES[kind] ?? `kind ${kind}`;
}

const round = (value, digits = 1) =>
  value === null || value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Total and per-kind figures of collections (`byKind`: kind → { ms, count, maxMs }), as recorded
 * in the results: seconds, count and the longest pause.
 */
export function summarizeGc(byKind) {
  const kinds = {};
  let ms = 0;
  let count = 0;
  let maxMs = 0;
  for (const [kind, entry] of Object.entries(byKind)) {
    kinds[kind] = { seconds: round(entry.ms / 1000, 3), count: entry.count, maxMs: round(entry.maxMs) };
    ms += entry.ms;
    count += entry.count;
    maxMs = Math.max(maxMs, entry.maxMs);
  }
  return { seconds: round(ms / 1000, 3), count, maxMs: round(maxMs), byKind: kinds };
}

/**
 * Watches this process until `stop()`: every collection (PerformanceObserver on 'gc'), the event
 * loop's delay (monitorEventLoopDelay, which includes its 10 ms sampling interval, as prom-client's
 * does), and each stall of at least `stallMs` as [start on the bench's clock, ms] (a 20 ms timer
 * that fired late), with collections of at least `stallMs` as [start, ms, kind].
 */
export function startPauseProbe({ stallMs = 50, keep = 2000 } = {}) {
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  const clockOffset = nowMs() - performance.now();
  const byKind = {};
  const longGc = [];
  const record = (entries) => {
    for (const entry of entries) {
      const kind = gcKindName(entry.detail?.kind);
      const kindEntry = (byKind[kind] ??= { ms: 0, count: 0, maxMs: 0 });
      kindEntry.ms += entry.duration;
      kindEntry.count += 1;
      kindEntry.maxMs = Math.max(kindEntry.maxMs, entry.duration);
      if (entry.duration >= stallMs && longGc.length < keep)
        longGc.push([round(entry.startTime + clockOffset), round(entry.duration), kind]);
    }
  };
  const observer = new PerformanceObserver((list) => record(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const stalls = [];
  let last = nowMs();
  const ticker = setInterval(() => {
    const now = nowMs();
    const late = now - last - TICK_MS;
    last = now;
    if (late >= stallMs && stalls.length < keep) stalls.push([round(now - late), round(late)]);
  }, TICK_MS);
  ticker.unref();
  return {
    stop() {
      clearInterval(ticker);
      // Entries not yet delivered to the observer's callback.
      record(observer.takeRecords());
      observer.disconnect();
      delay.disable();
      const ms = (nanoseconds) => round(nanoseconds / 1e6);
      return {
        gc: summarizeGc(byKind),
        eventLoop: {
          p50Ms: ms(delay.percentile(50)),
          p99Ms: ms(delay.percentile(99)),
          maxMs: ms(delay.max),
          resolutionMs: DELAY_RESOLUTION_MS,
        },
        stallMs,
        stalls,
        longGc,
      };
    },
  };
}

/**
 * GC figures of a service over a window from two scrapes of its /metrics (samples as
 * `{ name, labels, value }`): the difference of prom-client's `nodejs_gc_duration_seconds`
 * histogram by kind. The longest pause is known only to its bucket: `maxAtMostMs` is the upper bound
 * of the smallest bucket that holds every collection of the window, and `over100Ms` counts those
 * longer than 100 ms.
 */
export function gcFromHistograms(before, after) {
  const name = 'nodejs_gc_duration_seconds';
  const value = (samples, suffix, labels) =>
    samples
      .filter(
        (sample) =>
          sample.name === `${name}${suffix}` &&
          Object.entries(labels).every(([label, wanted]) => sample.labels[label] === wanted),
      )
      .reduce((total, sample) => total + sample.value, 0);
  const kinds = [
    ...new Set(after.filter((sample) => sample.name === `${name}_count`).map((sample) => sample.labels.kind)),
  ];
  const byKind = {};
  let seconds = 0;
  let count = 0;
  let over100Ms = 0;
  let maxAtMostMs = 0;
  for (const kind of kinds) {
    const delta = (suffix, labels = {}) =>
      value(after, suffix, { kind, ...labels }) - value(before, suffix, { kind, ...labels });
    const kindSeconds = delta('_sum');
    const kindCount = Math.round(delta('_count'));
    const bounds = after
      .filter((sample) => sample.name === `${name}_bucket` && sample.labels.kind === kind)
      .map((sample) => sample.labels.le)
      .filter((le) => le !== '+Inf')
      .map(Number)
      .sort((a, b) => a - b);
    const upTo = (bound) => Math.round(delta('_bucket', { le: String(bound) }));
    const atMost = kindCount === 0 ? 0 : bounds.find((bound) => upTo(bound) >= kindCount);
    const kindOver100Ms = bounds.includes(0.1) ? kindCount - upTo(0.1) : null;
    byKind[kind] = {
      seconds: round(kindSeconds, 3),
      count: kindCount,
      maxAtMostMs: atMost === undefined ? null : round(atMost * 1000),
      over100Ms: kindOver100Ms,
    };
    seconds += kindSeconds;
    count += kindCount;
    over100Ms += kindOver100Ms ?? 0;
    maxAtMostMs = atMost === undefined || maxAtMostMs === null ? null : Math.max(maxAtMostMs, atMost * 1000);
  }
  return { seconds: round(seconds, 3), count, maxAtMostMs: round(maxAtMostMs), over100Ms, byKind };
}

/**
 * A service's pauses over a window from its /metrics scraped before and after: GC from the
 * histograms' difference; event-loop delay from prom-client's gauges, whose histogram every scrape
 * resets, so the second scrape's figures cover the window (when nothing else scraped in between).
 */
export function servicePauses(before, after) {
  const gauge = (name) => {
    const sample = after.find((entry) => entry.name === name);
    return sample ? round(sample.value * 1000) : null;
  };
  return {
    gc: gcFromHistograms(before, after),
    eventLoop: {
      p50Ms: gauge('nodejs_eventloop_lag_p50_seconds'),
      p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'),
      maxMs: gauge('nodejs_eventloop_lag_max_seconds'),
      resolutionMs: DELAY_RESOLUTION_MS,
    },
  };
}

/**
 * Deliveries later than `thresholdMs` after their change was published (`deliveries`:
 * [{ message, publishedAt, at, worker }]), told apart by where they waited:
 * - `workerLocal`: the same change reached a device on another worker within the threshold, so the
 *   wait was in the receiving worker (or its sockets), not upstream;
 * - `allLate`: every worker that had a device of the account got it late: the wait was in the
 *   services, the broker or the machine as a whole;
 * - `inWorkerStall`: late deliveries received during or within `slackMs` after a recorded stall
 *   of their own worker (`stallsByWorker[worker]`: [[startMs, ms], ...]);
 * - `lateBySecond`: when they were published, by whole seconds from `fromMs` (the window's start),
 *   so bursts show.
 */
export function lateDeliveries(
  deliveries,
  { thresholdMs = 100, stallsByWorker = [], slackMs = 10, fromMs = 0 } = {},
) {
  const firstByMessageWorker = new Map();
  for (const delivery of deliveries) {
    const key = delivery.message;
    const perWorker = firstByMessageWorker.get(key) ?? new Map();
    const wait = delivery.at - delivery.publishedAt;
    perWorker.set(delivery.worker, Math.min(perWorker.get(delivery.worker) ?? Infinity, wait));
    firstByMessageWorker.set(key, perWorker);
  }
  const result = {
    thresholdMs,
    deliveries: deliveries.length,
    late: 0,
    workerLocal: 0,
    allLate: 0,
    inWorkerStall: 0,
    lateByWorker: {},
    messagesWithLate: 0,
    lateBySecond: {},
  };
  const messagesWithLate = new Set();
  for (const delivery of deliveries) {
    const wait = delivery.at - delivery.publishedAt;
    if (wait <= thresholdMs) continue;
    result.late += 1;
    messagesWithLate.add(delivery.message);
    result.lateByWorker[delivery.worker] = (result.lateByWorker[delivery.worker] ?? 0) + 1;
    const second = Math.floor((delivery.publishedAt - fromMs) / 1000);
    result.lateBySecond[second] = (result.lateBySecond[second] ?? 0) + 1;
    const others = [...firstByMessageWorker.get(delivery.message)].filter(
      ([worker]) => worker !== delivery.worker,
    );
    if (others.some(([, first]) => first <= thresholdMs)) result.workerLocal += 1;
    else result.allLate += 1;
    const stalls = stallsByWorker[delivery.worker] ?? [];
    if (stalls.some(([start, ms]) => delivery.at >= start && delivery.at <= start + ms + slackMs))
      result.inWorkerStall += 1;
  }
  result.messagesWithLate = messagesWithLate.size;
  return result;
}

/** One line for the progress output: GC seconds and the longest event-loop delay of each process. */
export function pauseLine(pauses) {
  const short = {
    'device-registry': 'registry',
    'push-delivery': 'push',
    'bench (load generator)': 'loadgen',
    'bench (socket clients)': 'workers',
  };
  const parts = [];
  for (const [name, entry] of Object.entries(pauses ?? {})) {
    if (!entry) continue;
    const longest =
      entry.gc.count === 0
        ? '-'
        : (entry.gc.maxMs ?? (entry.gc.maxAtMostMs === null ? '?' : `≤${entry.gc.maxAtMostMs}`));
    parts.push(`${short[name] ?? name} ${entry.gc.seconds}s/${longest}/${entry.eventLoop.maxMs ?? '?'}`);
  }
  return `pauses (GC s / longest GC ms / max loop delay ms): ${parts.join(', ')}`;
}

/** The socket clients' figures added up over their workers: sums, and the worst of the maxima. */
export function combineProbes(probes) {
  const present = probes.filter(Boolean);
  if (present.length === 0) return null;
  const byKind = {};
  for (const probe of present)
    for (const [kind, entry] of Object.entries(probe.gc.byKind)) {
      const sum = (byKind[kind] ??= { ms: 0, count: 0, maxMs: 0 });
      sum.ms += entry.seconds * 1000;
      sum.count += entry.count;
      sum.maxMs = Math.max(sum.maxMs, entry.maxMs);
    }
  const worst = (field) => Math.max(...present.map((probe) => probe.eventLoop[field] ?? 0));
  return {
    gc: summarizeGc(byKind),
    eventLoop: {
      p50Ms: worst('p50Ms'),
      p99Ms: worst('p99Ms'),
      maxMs: worst('maxMs'),
      resolutionMs: DELAY_RESOLUTION_MS,
    },
    stalls: present.reduce((total, probe) => total + probe.stalls.length, 0),
    stalledMs: round(
      present.reduce((total, probe) => total + probe.stalls.reduce((sum, [, ms]) => sum + ms, 0), 0),
    ),
    workers: present,
  };
}

/**
 * Records the pauses of every process over one measured window: `services` (name → base URL of its
 * HTTP port) are scraped at `start()` and `stop()`; the bench process and the device pool's
 * workers (`pool()`, when there is one) watch themselves in between.
 */
export function pauseRecorder({ services, pool }) {
  let before;
  let self;
  let workers;
  const scrapeAll = async () => {
    const { scrapeMetrics } = await import('@pushmail/testing');
    const entries = await Promise.all(
      Object.entries(services).map(async ([name, url]) => [
        name,
        await scrapeMetrics(url).then(
          (scraped) => scraped.samples,
          () => null,
        ),
      ]),
    );
    return Object.fromEntries(entries);
  };
  return {
    async start() {
      before = await scrapeAll();
      workers = pool();
      await workers?.startPauses();
      self = startPauseProbe();
    },
    async stop() {
      const own = self.stop();
      const perWorker = (await workers?.stopPauses()) ?? null;
      const after = await scrapeAll();
      const result = {};
      for (const name of Object.keys(services))
        result[name] = before[name] && after[name] ? servicePauses(before[name], after[name]) : null;
      result['bench (load generator)'] = own;
      if (perWorker) result['bench (socket clients)'] = combineProbes(perWorker);
      return result;
    },
  };
}

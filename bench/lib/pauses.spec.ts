import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../libs/testing/src/metrics-scrape.js';
import {
  combineProbes,
  gcFromHistograms,
  lateDeliveries,
  pauseLine,
  servicePauses,
  startPauseProbe,
  summarizeGc,
} from './pauses.mjs';

/** prom-client's GC histogram for one kind, as /metrics exposes it. */
function gcHistogram(kind: string, buckets: Record<string, number>, sum: number): string {
  const count = buckets['+Inf']!;
  return [
    ...Object.entries(buckets).map(
      ([le, value]) => `nodejs_gc_duration_seconds_bucket{le="${le}",kind="${kind}"} ${value}`,
    ),
    `nodejs_gc_duration_seconds_sum{kind="${kind}"} ${sum}`,
    `nodejs_gc_duration_seconds_count{kind="${kind}"} ${count}`,
  ].join('\n');
}

const buckets = (upTo1: number, upTo10: number, upTo100: number, upTo1000: number, all: number) => ({
  '0.001': upTo1,
  '0.01': upTo10,
  '0.1': upTo100,
  '1': upTo1000,
  '2': all,
  '5': all,
  '+Inf': all,
});

describe('gcFromHistograms', () => {
  it('takes the difference of the histograms by kind, and bounds the longest pause by its bucket', () => {
    const before = parseExposition(
      [
        gcHistogram('minor', buckets(10, 90, 100, 100, 100), 0.5),
        gcHistogram('major', buckets(0, 1, 2, 2, 2), 0.05),
      ].join('\n'),
    );
    const after = parseExposition(
      [
        gcHistogram('minor', buckets(20, 180, 195, 197, 197), 3.25),
        gcHistogram('major', buckets(0, 1, 2, 2, 2), 0.05),
        gcHistogram('incremental', buckets(1, 3, 3, 3, 3), 0.012),
      ].join('\n'),
    );
    const gc = gcFromHistograms(before, after);
    expect(gc.byKind.minor).toEqual({ seconds: 2.75, count: 97, maxAtMostMs: 1000, over100Ms: 2 });
    expect(gc.byKind.major).toEqual({ seconds: 0, count: 0, maxAtMostMs: 0, over100Ms: 0 });
    // A kind first seen after the window began counts from zero.
    expect(gc.byKind.incremental).toEqual({ seconds: 0.012, count: 3, maxAtMostMs: 10, over100Ms: 0 });
    expect(gc).toMatchObject({ seconds: 2.762, count: 100, maxAtMostMs: 1000, over100Ms: 2 });
  });
});

describe('servicePauses', () => {
  it('reads the event-loop delay of the window from the second scrape, in milliseconds', () => {
    const after = parseExposition(
      [
        gcHistogram('minor', buckets(1, 1, 1, 1, 1), 0.0005),
        'nodejs_eventloop_lag_p50_seconds 0.010125',
        'nodejs_eventloop_lag_p99_seconds 0.0412',
        'nodejs_eventloop_lag_max_seconds 0.2506',
      ].join('\n'),
    );
    expect(servicePauses([], after).eventLoop).toEqual({
      p50Ms: 10.1,
      p99Ms: 41.2,
      maxMs: 250.6,
      resolutionMs: 10,
    });
  });
});

describe('lateDeliveries', () => {
  it('tells a wait in one worker from a wait everywhere, and finds the worker stalls behind them', () => {
    const deliveries = [
      // Message 0: worker 1 got it 150 ms late, worker 0 at once.
      { message: 0, publishedAt: 1000, at: 1002, worker: 0 },
      { message: 0, publishedAt: 1000, at: 1150, worker: 1 },
      // Message 1: late on both workers.
      { message: 1, publishedAt: 2000, at: 2200, worker: 0 },
      { message: 1, publishedAt: 2000, at: 2210, worker: 1 },
      // Message 2: on time.
      { message: 2, publishedAt: 3000, at: 3050, worker: 0 },
    ];
    const result = lateDeliveries(deliveries, {
      thresholdMs: 100,
      stallsByWorker: [[], [[1010, 135]]],
      fromMs: 500,
    });
    expect(result).toEqual({
      thresholdMs: 100,
      deliveries: 5,
      late: 3,
      workerLocal: 1,
      allLate: 2,
      inWorkerStall: 1,
      lateByWorker: { 0: 1, 1: 2 },
      messagesWithLate: 2,
      lateBySecond: { 0: 1, 1: 2 },
    });
  });
});

describe('combineProbes', () => {
  it('adds the workers up and keeps the worst of their delays', () => {
    const probe = (minorMs: number, maxMs: number, loopMaxMs: number, stalls: Array<[number, number]>) => ({
      gc: summarizeGc({ minor: { ms: minorMs, count: 10, maxMs } }),
      eventLoop: { p50Ms: 10, p99Ms: 20, maxMs: loopMaxMs, resolutionMs: 10 },
      stalls,
    });
    const combined = combineProbes([
      probe(100, 30, 60, [[1, 55]]),
      null,
      probe(250, 120, 140, [
        [5, 130],
        [9, 60],
      ]),
    ]);
    expect(combined?.gc).toEqual({
      seconds: 0.35,
      count: 20,
      maxMs: 120,
      byKind: { minor: { seconds: 0.35, count: 20, maxMs: 120 } },
    });
    expect(combined?.eventLoop.maxMs).toBe(140);
    expect(combined?.stalls).toBe(3);
    expect(combined?.stalledMs).toBe(245);
    expect(pauseLine({ 'bench (socket clients)': combined, 'push-delivery': null })).toBe(
      'pauses (GC s / longest GC ms / max loop delay ms): workers 0.35s/120/140',
    );
  });
});

describe('startPauseProbe', () => {
  it('sees a blocked event loop and the collections of an allocating one', async () => {
    const probe = startPauseProbe({ stallMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const blockedUntil = performance.now() + 150;
    while (performance.now() < blockedUntil) {
      // the event loop is held
    }
    let kept: object[] = [];
    for (let round = 0; round < 40; round += 1) {
      kept = Array.from({ length: 50_000 }, (_, index) => ({ index, text: `item ${index}` }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = probe.stop();
    expect(kept.length).toBe(50_000);
    expect(result.eventLoop.maxMs).toBeGreaterThanOrEqual(140);
    expect(result.stalls.some(([, ms]) => ms >= 120)).toBe(true);
    expect(result.gc.count).toBeGreaterThan(0);
    expect(result.gc.byKind.minor?.count).toBeGreaterThan(0);
  });
});

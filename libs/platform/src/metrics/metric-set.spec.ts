import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricSet } from './metric-set.js';

const colours = ['red', 'green', 'blue'] as const;

class ColourMetrics extends MetricSet {
  readonly seen = this.counterByValue(
    'test_colours_seen_total',
    'Colours seen, by colour.',
    'colour',
    colours,
  );
}

async function series(metrics: ColourMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.seen.metric.get();
  return Object.fromEntries(values.map((value) => [String(value.labels['colour']), value.value]));
}

describe(MetricSet.name, () => {
  it('shows every value of a counter by value from zero, and counts each value apart', async () => {
    const metrics = new ColourMetrics(new Registry());
    expect(await series(metrics)).toEqual({ red: 0, green: 0, blue: 0 });

    metrics.seen.count('green');
    metrics.seen.count('green');
    metrics.seen.count('blue');
    expect(await series(metrics)).toEqual({ red: 0, green: 2, blue: 1 });
  });

  it('shares one registered counter between two sets built on the same registry', async () => {
    const registry = new Registry();
    const first = new ColourMetrics(registry);
    const second = new ColourMetrics(registry);
    first.seen.count('red');
    second.seen.count('red');
    expect(second.seen.metric).toBe(first.seen.metric);
    expect((await series(first))['red']).toBe(2);
  });
});

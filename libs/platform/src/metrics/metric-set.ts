import {
  type Counter,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  register as defaultRegistry,
  type Registry,
} from 'prom-client';
import { registeredCounter, registeredGauge, registeredHistogram } from './registered-metric.js';

/** What a metric has beyond its name and help: label names, buckets, a collect function. */
export type MetricOptions<C> = Omit<C, 'name' | 'help' | 'registers'>;
type CounterOptions<T extends string> = MetricOptions<CounterConfiguration<T>>;
type GaugeOptions<T extends string> = MetricOptions<GaugeConfiguration<T>>;
type HistogramOptions<T extends string> = MetricOptions<HistogramConfiguration<T>>;

/**
 * The base of a service's metrics: each field declares one counter, gauge or histogram by its name,
 * its help and any options, registered once in the set's registry (see registeredMetric). Label
 * names type the metric: `{ labelNames: ['route'] }` makes a `Counter<'route'>`.
 */
export abstract class MetricSet {
  constructor(protected readonly registry: Registry = defaultRegistry) {}

  protected counter<T extends string = string>(name: string, help: string, options?: CounterOptions<T>) {
    return registeredCounter<T>(this.registry, { name, help, ...options });
  }

  protected gauge<T extends string = string>(name: string, help: string, options?: GaugeOptions<T>) {
    return registeredGauge<T>(this.registry, { name, help, ...options });
  }

  protected histogram<T extends string = string>(name: string, help: string, options?: HistogramOptions<T>) {
    return registeredHistogram<T>(this.registry, { name, help, ...options });
  }

  /**
   * A counter labelled by one `label` whose values are all known: each value's series shows from
   * zero, and counting a value costs no label lookup.
   */
  protected counterByValue<V extends string, L extends string>(
    name: string,
    help: string,
    label: L,
    values: readonly V[],
  ): CounterByValue<V, L> {
    const metric = this.counter<L>(name, help, { labelNames: [label] });
    const children = countersFromZero(values, (value) => metric.labels({ [label]: value } as Record<L, V>));
    return { metric, count: (value) => children[value].inc() };
  }
}

/** A counter over a closed set of label values (see MetricSet.counterByValue). */
export interface CounterByValue<V extends string, L extends string = string> {
  readonly metric: Counter<L>;
  count(value: V): void;
}

/** What a labelled counter child offers a caller that only counts. */
export interface Increment {
  inc(value?: number): void;
}

/** A counter child that shows as 0 from the start instead of being absent until its first count. */
export function fromZero<C extends Increment>(child: C): C {
  child.inc(0);
  return child;
}

/** One counter child per value, each shown from zero: `child` picks a value's labelled child. */
export function countersFromZero<V extends string>(
  values: readonly V[],
  child: (value: V) => Increment,
): Record<V, Increment> {
  return Object.fromEntries(values.map((value) => [value, fromZero(child(value))])) as Record<V, Increment>;
}

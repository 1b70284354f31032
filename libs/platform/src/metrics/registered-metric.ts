import {
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  type Registry,
} from 'prom-client';

/**
 * The metric of that name in `registry`, created by `create` the first time. A process may build
 * a service's metrics more than once (tests boot several modules); prom-client refuses a second
 * registration of a name, so the second build shares the first one's metric instead.
 */
export function registeredMetric<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** The counter so configured, registered in `registry` once (see registeredMetric). */
export function registeredCounter<T extends string = string>(
  registry: Registry,
  config: Omit<CounterConfiguration<T>, 'registers'>,
): Counter<T> {
  return registeredMetric(registry, config.name, () => new Counter<T>({ ...config, registers: [registry] }));
}

/** The gauge so configured, registered in `registry` once (see registeredMetric). */
export function registeredGauge<T extends string = string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<T>, 'registers'>,
): Gauge<T> {
  return registeredMetric(registry, config.name, () => new Gauge<T>({ ...config, registers: [registry] }));
}

/** The histogram so configured, registered in `registry` once (see registeredMetric). */
export function registeredHistogram<T extends string = string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<T>, 'registers'>,
): Histogram<T> {
  return registeredMetric(
    registry,
    config.name,
    () => new Histogram<T>({ ...config, registers: [registry] }),
  );
}

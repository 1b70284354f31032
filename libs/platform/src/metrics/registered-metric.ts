import type { Metric, Registry } from 'prom-client';

/**
 * The metric of that name in `registry`, created by `create` the first time. A process may build
 * a service's metrics more than once (tests boot several modules); prom-client refuses a second
 * registration of a name, so the second build shares the first one's metric instead.
 */
export function registeredMetric<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

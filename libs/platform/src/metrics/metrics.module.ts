import { type DynamicModule, Module } from '@nestjs/common';
import type { MetricSet } from './metric-set.js';

@Module({})
class ServiceMetricsModule {}

/**
 * The module that provides a service's metric set: one instance, built without arguments (so in
 * the default registry, which the health module serves on /metrics), to the modules that import it,
 * or to every module when `global`.
 */
export function metricsModule<M extends MetricSet>(
  metrics: new () => M,
  { global = false }: { global?: boolean } = {},
): DynamicModule {
  return {
    module: ServiceMetricsModule,
    global,
    providers: [{ provide: metrics, useFactory: () => new metrics() }],
    exports: [metrics],
  };
}

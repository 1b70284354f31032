import { Global, Module } from '@nestjs/common';
import { type DeviceEventType, deviceEventTypes } from '@pushmail/contracts';
import { MetricSet } from '@pushmail/platform';
import type { Registry } from 'prom-client';

/**
 * The service's metrics, served on /metrics by the platform's health module. Snapshots and events
 * produced and consumed per topic are counted by the platform's Kafka metrics.
 */
export class RegistryMetrics extends MetricSet {
  readonly deviceEventsPublished = this.counter(
    'pushmail_registry_device_events_published_total',
    'Device events (registered, access changed, policy changed or acknowledged, wipe requested, confirmed or cancelled, removed) published, by type.',
    { labelNames: ['type'] },
  );
  private readonly byType: Map<DeviceEventType, { inc(): void }>;

  constructor(registry?: Registry) {
    super(registry);
    this.byType = new Map(
      deviceEventTypes.map((type) => {
        const child = this.deviceEventsPublished.labels({ type });
        child.inc(0);
        return [type, child];
      }),
    );
  }

  deviceEventPublished(type: DeviceEventType): void {
    this.byType.get(type)?.inc();
  }
}

@Global()
@Module({
  providers: [{ provide: RegistryMetrics, useFactory: () => new RegistryMetrics() }],
  exports: [RegistryMetrics],
})
export class MetricsModule {}

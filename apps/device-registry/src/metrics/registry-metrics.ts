import { type DeviceEventType, deviceEventTypes } from '@pushmail/contracts';
import { metricsModule, MetricSet } from '@pushmail/platform';

/**
 * The service's metrics, served on /metrics by the platform's health module. Snapshots and events
 * produced and consumed per topic are counted by the platform's Kafka metrics.
 */
export class RegistryMetrics extends MetricSet {
  readonly deviceEventsPublished = this.counterByValue(
    'pushmail_registry_device_events_published_total',
    'Device events (registered, access changed, policy changed or acknowledged, wipe requested, confirmed or cancelled, removed) published, by type.',
    'type',
    deviceEventTypes,
  );

  deviceEventPublished(type: DeviceEventType): void {
    this.deviceEventsPublished.count(type);
  }
}

export const MetricsModule = metricsModule(RegistryMetrics, { global: true });

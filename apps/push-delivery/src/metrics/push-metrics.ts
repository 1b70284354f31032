import { Global, Module } from '@nestjs/common';
import { registeredCounter, registeredGauge, registeredHistogram } from '@pushmail/platform';
import {
  type Counter,
  type Gauge,
  type Histogram,
  register as defaultRegistry,
  type Registry,
} from 'prom-client';

export type JmapTransport = 'http' | 'websocket';

/**
 * What the device edge did about a device after its account's credentials snapshot changed (or
 * when it connected): cut its socket because its access ended, or told it of a wipe, of its
 * quarantine or release, of a new policy, and released mail held back from it.
 */
export const deviceActions = ['disconnect', 'wipe', 'status', 'policy', 'release'] as const;
export type DeviceAction = (typeof deviceActions)[number];

/** The per-device limits that can turn a device away: sockets, EventSource streams, push enables. */
export const deviceLimits = ['websocketsPerDevice', 'eventStreamsPerDevice', 'pushEnable'] as const;
export type DeviceLimit = (typeof deviceLimits)[number];

/**
 * The service's metrics, served on /metrics by the platform's health module. Events produced and
 * consumed are counted by the platform's Kafka metrics.
 */
export class PushMetrics {
  readonly openSockets: Gauge;
  readonly stateChangesSent: Counter;
  readonly fanoutSeconds: Histogram;
  readonly pushLatencySeconds: Histogram;
  readonly jmapRequests: Counter<'transport'>;
  readonly jmapRequestsInFlight: Gauge;
  readonly deviceSnapshotsApplied: Counter;
  readonly deviceActions: Counter<'action'>;
  readonly deviceLimited: Counter<'limit'>;
  private readonly actions: Record<DeviceAction, { inc(): void }>;

  constructor(registry: Registry = defaultRegistry) {
    this.openSockets = registeredGauge(registry, {
      name: 'pushmail_push_open_sockets',
      help: 'Device WebSockets open on this replica.',
    });
    this.stateChangesSent = registeredCounter(registry, {
      name: 'pushmail_push_state_changes_sent_total',
      help: 'StateChange messages written to device sockets and EventSource streams.',
    });
    this.fanoutSeconds = registeredHistogram(registry, {
      name: 'pushmail_push_fanout_seconds',
      help: "From receipt of an account's change to the last StateChange handed to its sockets.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.pushLatencySeconds = registeredHistogram(registry, {
      name: 'pushmail_push_latency_seconds',
      help: 'From the SMTP acceptance of a message to the StateChange announcing it written to the sockets of its account, one observation per pushed change.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30],
    });
    this.jmapRequests = registeredCounter(registry, {
      name: 'pushmail_push_jmap_requests_total',
      help: 'JMAP requests received from devices, by transport.',
      labelNames: ['transport'],
    });
    this.jmapRequestsInFlight = registeredGauge(registry, {
      name: 'pushmail_push_jmap_requests_in_flight',
      help: 'JMAP requests of devices being run on mailbox now, over either transport; one whose device left is cancelled and leaves this count at once.',
    });
    this.deviceSnapshotsApplied = registeredCounter(registry, {
      name: 'pushmail_push_device_snapshots_applied_total',
      help: "Accounts' device credentials snapshots (access, wipes, policy, tokens) applied by this replica.",
    });
    this.deviceActions = registeredCounter(registry, {
      name: 'pushmail_push_device_actions_total',
      help: 'What the edge did about connected devices: disconnect (access ended), wipe, status (quarantined or allowed), policy, release (held mail released).',
      labelNames: ['action'],
    });
    this.deviceLimited = registeredCounter(registry, {
      name: 'pushmail_push_device_limited_total',
      help: 'Times a per-device limit held: websocketsPerDevice and eventStreamsPerDevice (the oldest connection closed), pushEnable (a WebSocketPushEnable refused).',
      labelNames: ['limit'],
    });
    for (const limit of deviceLimits) this.deviceLimited.labels({ limit }).inc(0);
    const child = (action: DeviceAction) => {
      const counter = this.deviceActions.labels({ action });
      counter.inc(0);
      return counter;
    };
    this.actions = {
      disconnect: child('disconnect'),
      wipe: child('wipe'),
      status: child('status'),
      policy: child('policy'),
      release: child('release'),
    };
  }

  deviceAction(action: DeviceAction): void {
    this.actions[action].inc();
  }

  limited(limit: DeviceLimit): void {
    this.deviceLimited.inc({ limit });
  }
}

@Global()
@Module({
  providers: [{ provide: PushMetrics, useFactory: () => new PushMetrics() }],
  exports: [PushMetrics],
})
export class MetricsModule {}

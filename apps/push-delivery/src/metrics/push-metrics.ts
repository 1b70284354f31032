import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, Gauge, Histogram, register, type Metric } from 'prom-client';

export type JmapTransport = 'http' | 'websocket';

/**
 * The service's metrics on the default registry, which the health module serves on /metrics.
 * Metrics are looked up before they are created: the registry is process-wide and a process
 * (a test run) may build the module more than once.
 */
@Injectable()
export class PushMetrics {
  readonly openSockets = once(
    'pushmail_push_open_sockets',
    () => new Gauge({ name: 'pushmail_push_open_sockets', help: 'Device WebSockets open on this replica.' }),
  );

  readonly stateChangesSent = once(
    'pushmail_push_state_changes_sent_total',
    () =>
      new Counter({
        name: 'pushmail_push_state_changes_sent_total',
        help: 'StateChange messages written to device sockets.',
      }),
  );

  readonly fanoutSeconds = once(
    'pushmail_push_fanout_seconds',
    () =>
      new Histogram({
        name: 'pushmail_push_fanout_seconds',
        help: "From receipt of an account's change to the last StateChange handed to its sockets.",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      }),
  );

  readonly jmapRequests = once(
    'pushmail_jmap_requests_total',
    () =>
      new Counter<'transport'>({
        name: 'pushmail_jmap_requests_total',
        help: 'JMAP requests received from devices, by transport.',
        labelNames: ['transport'],
      }),
  );
}

function once<M extends Metric>(name: string, create: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? create();
}

@Global()
@Module({ providers: [PushMetrics], exports: [PushMetrics] })
export class MetricsModule {}

import { Inject, Injectable, Optional } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { stateChangeMessage } from '@pushmail/jmap';
import { contextWithSpan, extractTraceContext, injectTraceHeaders, startSpan } from '@pushmail/platform';
import { EventSourceRegistry } from '../eventsource/eventsource-registry.js';
import { PushMetrics } from '../metrics/push-metrics.js';
import { ConnectionRegistry } from '../socket/connection-registry.js';
import { DeviceTrail } from '@pushmail/edge';
import { newerState, type AccountChange } from './change-coalescer.js';

/** Hands an account's change to every push-enabled socket and EventSource stream of the account here. */
@Injectable()
export class PushFanout {
  /** The last push state sent per account with listeners here; consumption is at-least-once. */
  private readonly lastPushState = new Map<string, string>();

  constructor(
    @Inject(ConnectionRegistry) private readonly registry: ConnectionRegistry,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
    @Inject(EventSourceRegistry) private readonly streams: EventSourceRegistry,
    @Optional() @Inject(DeviceTrail) private readonly trail?: DeviceTrail,
  ) {}

  deliver(change: AccountChange): number {
    const connections = this.registry.ofAccount(change.accountId);
    const streams = this.streams.ofAccount(change.accountId);
    // Most changes concern accounts with no listener on this replica; they would drown the timing.
    if (connections.size === 0 && streams.size === 0) {
      this.lastPushState.delete(change.accountId);
      return 0;
    }
    const last = this.lastPushState.get(change.accountId);
    // A redelivered event (or an older one) would only make every device sync for nothing.
    if (last !== undefined && newerState(last, change.state) === last) return 0;
    this.lastPushState.set(change.accountId, change.state);
    // Serialised once per distinct data-type filter (usually one), never once per socket.
    const payloads = new Map<string, string | null>();
    let sent = 0;
    for (const connection of connections) {
      const subscription = connection.push;
      if (!subscription) continue;
      let payload = payloads.get(subscription.filterKey);
      if (payload === undefined) {
        const changed = subscription.filter(change.changed);
        payload =
          Object.keys(changed).length > 0
            ? stateChangeMessage(change.accountId, changed, change.state)
            : null;
        payloads.set(subscription.filterKey, payload);
      }
      if (payload !== null && connection.deliverStateChange(payload)) sent += 1;
    }
    for (const stream of [...streams]) if (stream.deliver(change.changed, change.state)) sent += 1;
    if (sent > 0) {
      this.metrics.stateChangesSent.inc(sent);
      // Wall clocks of two hosts: skew shows here, so a reading below zero is taken as zero.
      if (change.acceptedAt !== undefined)
        this.metrics.pushLatencySeconds.observe(Math.max(0, Date.now() - change.acceptedAt) / 1000);
    }
    if (change.traceHeaders) this.traceFanout(change, connections.size + streams.size, sent);
    this.metrics.fanoutSeconds.observe((performance.now() - change.receivedAt) / 1000);
    return sent;
  }

  /** A span for a push that continues a traced mail; its context rides on the device trail it produced. */
  private traceFanout(change: AccountChange, listeners: number, sent: number): void {
    const span = startSpan(
      'push.fanout',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'pushmail.account_id': change.accountId,
          'pushmail.sockets': listeners,
          'pushmail.pushes_sent': sent,
          'pushmail.state': change.state,
        },
      },
      extractTraceContext(change.traceHeaders ?? {}),
    );
    span.end();
    if (sent > 0) this.trail?.traceNextBatch(change.accountId, injectTraceHeaders(contextWithSpan(span)));
  }
}

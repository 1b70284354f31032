import { Inject, Injectable } from '@nestjs/common';
import { stateChangeMessage } from '@pushmail/jmap';
import { PushMetrics } from '../metrics/push-metrics.js';
import { ConnectionRegistry } from '../socket/connection-registry.js';
import { newerState, type AccountChange } from './change-coalescer.js';

/** Hands an account's change to every push-enabled socket of the account on this replica. */
@Injectable()
export class PushFanout {
  /** The last push state sent per account with sockets here; consumption is at-least-once. */
  private readonly lastPushState = new Map<string, string>();

  constructor(
    @Inject(ConnectionRegistry) private readonly registry: ConnectionRegistry,
    @Inject(PushMetrics) private readonly metrics: PushMetrics,
  ) {}

  deliver(change: AccountChange): number {
    // Serialised once per distinct data-type filter (usually one), never once per socket.
    const connections = this.registry.ofAccount(change.accountId);
    // Most changes concern accounts with no socket on this replica; they would drown the timing.
    if (connections.size === 0) {
      this.lastPushState.delete(change.accountId);
      return 0;
    }
    const last = this.lastPushState.get(change.accountId);
    // A redelivered event (or an older one) would only make every device sync for nothing.
    if (last !== undefined && newerState(last, change.state) === last) return 0;
    this.lastPushState.set(change.accountId, change.state);
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
    if (sent > 0) this.metrics.stateChangesSent.inc(sent);
    this.metrics.fanoutSeconds.observe((performance.now() - change.receivedAt) / 1000);
    return sent;
  }
}

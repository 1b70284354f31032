import { Inject, Injectable } from '@nestjs/common';
import { PushMetrics } from '../metrics/push-metrics.js';
import type { DeviceConnection } from './device-connection.js';

const NONE: ReadonlySet<DeviceConnection> = new Set();

/** Every device socket open on this replica, by account: a change fans out to its account's set. */
@Injectable()
export class ConnectionRegistry {
  private readonly byAccount = new Map<string, Set<DeviceConnection>>();
  private count = 0;

  constructor(@Inject(PushMetrics) private readonly metrics: PushMetrics) {}

  get size(): number {
    return this.count;
  }

  add(connection: DeviceConnection): void {
    let sockets = this.byAccount.get(connection.accountId);
    if (!sockets) {
      sockets = new Set();
      this.byAccount.set(connection.accountId, sockets);
    }
    if (sockets.has(connection)) return;
    sockets.add(connection);
    this.count += 1;
    this.metrics.openSockets.inc();
  }

  remove(connection: DeviceConnection): void {
    const sockets = this.byAccount.get(connection.accountId);
    if (!sockets?.delete(connection)) return;
    if (sockets.size === 0) this.byAccount.delete(connection.accountId);
    this.count -= 1;
    this.metrics.openSockets.dec();
  }

  ofAccount(accountId: string): ReadonlySet<DeviceConnection> {
    return this.byAccount.get(accountId) ?? NONE;
  }

  *all(): IterableIterator<DeviceConnection> {
    for (const sockets of this.byAccount.values()) yield* sockets;
  }
}

import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { EventStream } from './event-stream.js';

const NONE: ReadonlySet<EventStream> = new Set();

/** Every EventSource connection open on this replica, by account. */
@Injectable()
export class EventSourceRegistry implements OnModuleDestroy {
  private readonly byAccount = new Map<string, Set<EventStream>>();

  add(stream: EventStream): void {
    let streams = this.byAccount.get(stream.accountId);
    if (!streams) {
      streams = new Set();
      this.byAccount.set(stream.accountId, streams);
    }
    streams.add(stream);
  }

  remove(stream: EventStream): void {
    const streams = this.byAccount.get(stream.accountId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.byAccount.delete(stream.accountId);
  }

  ofAccount(accountId: string): ReadonlySet<EventStream> {
    return this.byAccount.get(accountId) ?? NONE;
  }

  /** Ends every stream so the HTTP server can close; clients reconnect with their Last-Event-ID. */
  onModuleDestroy(): void {
    for (const streams of [...this.byAccount.values()]) for (const stream of [...streams]) stream.close();
    this.byAccount.clear();
  }
}

/** One account's changes as they go out: the union of what changed, each type at its newest state. */
export interface AccountChange {
  accountId: string;
  changed: Record<string, string>;
  state: string;
  /** `performance.now()` when the first of the merged events arrived. */
  receivedAt: number;
  /** The trace context of the newest merged event (`traceparent` headers), when it carried one. */
  traceHeaders?: Record<string, string>;
  /** Epoch ms of the SMTP acceptance of the earliest message the merged events announce, when known. */
  acceptedAt?: number;
}

/**
 * Merges an account's changes into one StateChange: those of one consumer batch (a burst of
 * deliveries reaches the device once), and with a window, those arriving within `windowMs`.
 * Without a window nothing waits for a timer: the batch's changes go out when `flushBatch` is called
 * at the end of the batch.
 */
export class ChangeCoalescer {
  private readonly pending = new Map<string, { change: AccountChange; timer: NodeJS.Timeout | undefined }>();

  constructor(
    private readonly windowMs: number,
    private readonly flush: (change: AccountChange) => void,
  ) {}

  get pendingAccounts(): number {
    return this.pending.size;
  }

  add(
    accountId: string,
    changed: Readonly<Record<string, string | undefined>>,
    state: string,
    receivedAt: number = performance.now(),
    traceHeaders?: Record<string, string>,
    /** Epoch ms of the acceptance of the earliest message the event announces, when it says. */
    acceptedAt?: number,
  ): void {
    const waiting = this.pending.get(accountId);
    if (waiting) {
      mergeInto(waiting.change, changed, state);
      if (traceHeaders?.traceparent) waiting.change.traceHeaders = traceHeaders;
      if (acceptedAt !== undefined)
        waiting.change.acceptedAt = Math.min(waiting.change.acceptedAt ?? acceptedAt, acceptedAt);
      return;
    }
    const change: AccountChange = { accountId, changed: {}, state, receivedAt };
    if (traceHeaders?.traceparent) change.traceHeaders = traceHeaders;
    if (acceptedAt !== undefined) change.acceptedAt = acceptedAt;
    mergeInto(change, changed, state);
    if (this.windowMs <= 0) {
      this.pending.set(accountId, { change, timer: undefined });
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(accountId);
      this.flush(change);
    }, this.windowMs);
    this.pending.set(accountId, { change, timer });
  }

  /** Sends what a batch gathered, without a window; with one, the timers send it. */
  flushBatch(): void {
    if (this.windowMs > 0) return;
    const changes = [...this.pending.values()];
    this.pending.clear();
    for (const { change } of changes) this.flush(change);
  }

  /** Drops what is waiting: on shutdown the sockets are closing and devices catch up on reconnect. */
  dispose(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

function mergeInto(
  change: AccountChange,
  changed: Readonly<Record<string, string | undefined>>,
  state: string,
): void {
  for (const [type, typeState] of Object.entries(changed)) {
    if (typeState === undefined) continue;
    const known = change.changed[type];
    change.changed[type] = known === undefined ? typeState : newerState(known, typeState);
  }
  change.state = newerState(change.state, state);
}

/**
 * Of two states of the same thing, the newer. Events of an account arrive in order, so the later
 * one wins; numeric states are compared as numbers too, so a redelivered old event cannot move a
 * state backwards.
 */
export function newerState(earlier: string, later: string): string {
  if (/^\d+$/.test(earlier) && /^\d+$/.test(later)) return BigInt(later) >= BigInt(earlier) ? later : earlier;
  return later;
}

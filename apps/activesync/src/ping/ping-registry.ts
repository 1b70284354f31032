import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { ActiveSyncMetrics } from '../metrics/activesync-metrics.js';
import { type Heartbeat, Heartbeats } from './heartbeats.js';

/** Why a parked Ping ended. */
export type PingEnd =
  | { reason: 'changed'; folders: string[]; traceHeaders?: Record<string, string> }
  | { reason: 'heartbeat' }
  | { reason: 'superseded' }
  | { reason: 'standing' }
  | { reason: 'gone' }
  | { reason: 'shutdown' };

/**
 * What a parked Ping waits for, and what it is told when it ends: one object per Ping, with no
 * closure of its own. `changedFolders` asks whether any of its folders changed and answers the
 * folders that did: `emailState` is the account's Email state as the change that woke it announced
 * (a JMAP StateChange's), when it did; `createdIn`, the folders its deliveries filed new mail in,
 * when every change folded into it said. `ended` is called once, when the Ping ends, and answers it.
 */
export interface PingWatcher {
  changedFolders(emailState?: string, createdIn?: readonly string[]): Promise<string[]>;
  ended(end: PingEnd): void;
}

/**
 * The connection a parked Ping is answered on (its HTTP response): a close before the answer
 * means the device went away.
 */
export interface PingConnection {
  readonly destroyed: boolean;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** What a change of an account's mail tells its parked Pings. */
export interface MailChange {
  /** When ingest accepted the earliest message the change announces. */
  acceptedAt?: number;
  /** The trace context of the earliest traced change. */
  traceHeaders?: Record<string, string>;
  /** The account's Email state after the change, when the change moved it. */
  emailState?: string;
  /**
   * The folders a delivery filed new mail in (`createdInMailboxIds`), when the change says; absent
   * when it does not (not a delivery, or a publisher that does not tell).
   */
  createdIn?: readonly string[];
}

/**
 * The changes of an account that arrive while a Ping takes its first look at its folders, before it
 * parks: that look may have read the folders before the change was stored, so the parked Ping looks
 * again at once rather than wait for the next change or its heartbeat.
 */
export class Arrivals {
  changes = 0;
  acceptedAt?: number;
  traceHeaders?: Record<string, string>;
  emailState?: string;
  createdIn?: readonly string[];

  constructor(readonly accountId: string) {}

  noteChange(change: MailChange): void {
    this.changes += 1;
    foldChange(this, change);
  }
}

/**
 * Folds a change into what a Ping keeps of the changes it has not looked at: the earliest
 * acceptance, the first trace, the latest Email state (a change without one says nothing of the
 * state, so the next look asks mailbox) and the folders deliveries filed mail in (any of them
 * gained mail, whatever else changed).
 */
export function foldChange(
  into: {
    acceptedAt?: number;
    traceHeaders?: Record<string, string>;
    emailState?: string;
    createdIn?: readonly string[];
  },
  { acceptedAt, traceHeaders, emailState, createdIn }: MailChange,
): void {
  if (acceptedAt !== undefined) into.acceptedAt = Math.min(into.acceptedAt ?? acceptedAt, acceptedAt);
  if (traceHeaders?.['traceparent']) into.traceHeaders ??= traceHeaders;
  if (emailState !== undefined) into.emailState = emailState;
  else delete into.emailState;
  if (createdIn !== undefined && createdIn.length > 0)
    into.createdIn = into.createdIn ? [...new Set([...into.createdIn, ...createdIn])] : createdIn;
}

/**
 * One parked Ping: a plain object in the registry's maps and heartbeat queue, with one close
 * listener on its connection. It holds no promise, timer or signal: the registry calls its
 * watcher once when it ends, and the watcher answers the request itself.
 */
class ParkedPing implements Heartbeat {
  readonly parkedAt = Date.now();
  heartbeatAt = 0;
  heartbeatSlot = -1;
  checking = false;
  recheck = false;
  acceptedAt?: number;
  /** The trace context (`traceparent`) of the change that woke it, to continue the mail's trace. */
  traceHeaders?: Record<string, string>;
  /** The latest Email state announced while it checks; the next check starts from it. */
  emailState?: string;
  /** The folders deliveries filed mail in since its last check. */
  createdIn?: readonly string[];

  constructor(
    readonly registry: PingRegistry,
    readonly accountId: string,
    readonly deviceKey: string,
    readonly watcher: PingWatcher,
    /** A standing snapshot to compare: block, quarantine, policy, wipe. */
    readonly standing: string,
    readonly connection: PingConnection,
  ) {}

  /** The connection closed before an answer: the device went away. */
  readonly closed = (): void => {
    this.registry.finish(this, { reason: 'gone' });
  };

  finish(end: PingEnd): void {
    this.registry.finish(this, end);
  }
}

/**
 * The Pings parked on this replica, by device and by account. A mailbox change of the account
 * makes each of its Pings look at its folders; a change of the device's standing ends it at once;
 * a second Ping of the same device ends the first; the heartbeat ends it with nothing changed.
 * A parked Ping costs an object, a close listener, a slot in the heartbeat queue and two map
 * entries, nothing per folder.
 */
@Injectable()
export class PingRegistry implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly byDevice = new Map<string, ParkedPing>();
  private shuttingDown = false;
  private readonly byAccount = new Map<string, Set<ParkedPing>>();
  /** Pings taking their first look at their folders, by account (`watchArrivals`). */
  private readonly arriving = new Map<string, Set<Arrivals>>();
  private readonly parkedListeners: Array<(deviceKey: string, parkedAt: number) => void> = [];
  private readonly heartbeats = new Heartbeats<ParkedPing>((ping) => ping.finish({ reason: 'heartbeat' }));

  constructor(@Inject(ActiveSyncMetrics) private readonly metrics: ActiveSyncMetrics) {}

  get size(): number {
    return this.byDevice.size;
  }

  /** Accounts with a request taking its first look (`watchArrivals`). */
  get watching(): number {
    return this.arriving.size;
  }

  /** Once the service stops: no Ping parks any more, and answers close their connection. */
  get closing(): boolean {
    return this.shuttingDown;
  }

  /** Called with each Ping parked here: other replicas learn of it and end theirs of the device. */
  onParked(listener: (deviceKey: string, parkedAt: number) => void): void {
    this.parkedListeners.push(listener);
  }

  /**
   * Another replica parked a Ping of the device at `parkedAt`: the one held here, parked no later,
   * is the first of two and ends (Status 1, as a second Ping on this replica ends it).
   */
  supersededElsewhere(deviceKey: string, parkedAt: number): void {
    const ping = this.byDevice.get(deviceKey);
    if (ping && ping.parkedAt <= parkedAt) ping.finish({ reason: 'superseded' });
  }

  /**
   * Notes the account's changes from now until `stopWatching`: taken before a Ping's first look at
   * its folders and handed to `park`, so that a change stored during that look is not missed.
   */
  watchArrivals(accountId: string): Arrivals {
    const arrivals = new Arrivals(accountId);
    let watching = this.arriving.get(accountId);
    if (!watching) {
      watching = new Set();
      this.arriving.set(accountId, watching);
    }
    watching.add(arrivals);
    return arrivals;
  }

  stopWatching(arrivals: Arrivals): void {
    const watching = this.arriving.get(arrivals.accountId);
    watching?.delete(arrivals);
    if (watching?.size === 0) this.arriving.delete(arrivals.accountId);
  }

  /**
   * Parks a Ping until a change, its heartbeat, a newer Ping of the device or the close of its
   * connection, and tells `watcher` (once, maybe before this returns) how it ended.
   */
  park(options: {
    accountId: string;
    deviceId: string;
    heartbeatMs: number;
    standing: string;
    watcher: PingWatcher;
    connection: PingConnection;
    /** The changes that arrived during its first look (`watchArrivals`): any makes it look again. */
    arrivals?: Arrivals;
  }): void {
    const deviceKey = `${options.accountId}/${options.deviceId}`;
    if (options.arrivals) this.stopWatching(options.arrivals);
    this.byDevice.get(deviceKey)?.finish({ reason: 'superseded' });
    // A Ping that reaches its park after shutdown began (its first look at the folders was still
    // running) would hold the server open until its heartbeat: it is answered at once instead.
    if (this.shuttingDown) {
      this.metrics.pingEnds.inc({ reason: 'shutdown' });
      options.watcher.ended({ reason: 'shutdown' });
      return;
    }
    const ping = new ParkedPing(
      this,
      options.accountId,
      deviceKey,
      options.watcher,
      options.standing,
      options.connection,
    );
    this.heartbeats.add(ping, ping.parkedAt + options.heartbeatMs);
    options.connection.on('close', ping.closed);
    this.byDevice.set(deviceKey, ping);
    let pings = this.byAccount.get(options.accountId);
    if (!pings) {
      pings = new Set();
      this.byAccount.set(options.accountId, pings);
    }
    pings.add(ping);
    this.metrics.parkedPings.set(this.byDevice.size);
    for (const listener of this.parkedListeners) listener(deviceKey, ping.parkedAt);
    if (options.connection.destroyed) ping.closed();
    else if (options.arrivals && options.arrivals.changes > 0) this.lookAgain(ping, options.arrivals);
  }

  /** Ends a parked Ping once: the first end wins, later ones (a heartbeat after a change) do nothing. */
  finish(ping: ParkedPing, end: PingEnd): void {
    if (this.byDevice.get(ping.deviceKey) !== ping) return;
    this.heartbeats.delete(ping);
    ping.connection.off('close', ping.closed);
    this.byDevice.delete(ping.deviceKey);
    const pings = this.byAccount.get(ping.accountId);
    pings?.delete(ping);
    if (pings?.size === 0) this.byAccount.delete(ping.accountId);
    this.metrics.parkedPings.set(this.byDevice.size);
    this.metrics.pingEnds.inc({ reason: end.reason });
    if (end.reason === 'changed' && ping.acceptedAt !== undefined) {
      this.metrics.pushLatencySeconds.observe(Math.max(0, Date.now() - ping.acceptedAt) / 1000);
    }
    ping.watcher.ended(end);
  }

  /** The account's mail changed: each of its parked Pings looks whether one of its folders did. */
  mailChanged(accountId: string, change: MailChange = {}): void {
    for (const arrivals of this.arriving.get(accountId) ?? []) arrivals.noteChange(change);
    for (const ping of this.byAccount.get(accountId) ?? []) this.lookAgain(ping, change);
  }

  private lookAgain(ping: ParkedPing, change: MailChange): void {
    foldChange(ping, change);
    void this.runCheck(ping);
  }

  /** The account's devices changed: every parked Ping whose device's standing moved ends now. */
  standingChanged(accountId: string, standingOf: (deviceKey: string) => string): void {
    for (const ping of [...(this.byAccount.get(accountId) ?? [])]) {
      if (standingOf(ping.deviceKey) !== ping.standing) ping.finish({ reason: 'standing' });
    }
  }

  /**
   * Parked Pings are answered (Status 1) as soon as the service begins to stop, before its Kafka
   * consumers drain, and none parks after: devices Ping again, on another replica.
   */
  onModuleDestroy(): void {
    this.shuttingDown = true;
    for (const ping of [...this.byDevice.values()]) ping.finish({ reason: 'shutdown' });
  }

  /** Whatever parked while other modules were stopping (none should) is answered before the server closes. */
  beforeApplicationShutdown(): void {
    this.onModuleDestroy();
  }

  private async runCheck(ping: ParkedPing): Promise<void> {
    if (ping.checking) {
      ping.recheck = true;
      return;
    }
    ping.checking = true;
    try {
      do {
        ping.recheck = false;
        const { emailState, createdIn } = ping;
        delete ping.emailState;
        delete ping.createdIn;
        const changed = await ping.watcher.changedFolders(emailState, createdIn).catch(() => [] as string[]);
        if (changed.length > 0) {
          ping.finish({
            reason: 'changed',
            folders: changed,
            ...(ping.traceHeaders ? { traceHeaders: ping.traceHeaders } : {}),
          });
          return;
        }
      } while (ping.recheck && this.byDevice.get(ping.deviceKey) === ping);
      if (ping.acceptedAt !== undefined) delete ping.acceptedAt;
      delete ping.traceHeaders;
    } finally {
      ping.checking = false;
    }
  }
}

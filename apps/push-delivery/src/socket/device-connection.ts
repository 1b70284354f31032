import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import type { NoticeMemory } from '../device/device-messages.js';

/** The part of a `ws` WebSocket a connection uses; tests stand in for it. */
export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
}

const OPEN = 1;

export const CloseCode = {
  serviceRestart: 1012,
  policyViolation: 1008,
  tryAgainLater: 1013,
  /** Application range (RFC 6455 §7.4.2): the device lost its right to connect. */
  accessRevoked: 4003,
  /** Application range, after HTTP 429: the device opened more sockets than it may hold, and this, its oldest, gave way. */
  tooManyConnections: 4029,
} as const;

/** Which data types a socket wants pushed (RFC 8887 §4.3.5); null means every type. */
export class PushSubscription {
  readonly dataTypes: ReadonlySet<string> | null;
  /** Sockets with equal keys receive the same bytes, so a StateChange is serialised once per key. */
  readonly filterKey: string;

  constructor(dataTypes: readonly string[] | null) {
    this.dataTypes = dataTypes === null ? null : new Set(dataTypes);
    this.filterKey = this.dataTypes === null ? '*' : [...this.dataTypes].sort().join(',');
  }

  filter(changed: Readonly<Record<string, string | undefined>>): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const [type, state] of Object.entries(changed)) {
      if (state !== undefined && (this.dataTypes === null || this.dataTypes.has(type))) kept[type] = state;
    }
    return kept;
  }
}

export interface ConnectionLimits {
  /** Past this many unsent bytes the device is not keeping up and is let go. */
  maxBufferedBytes: number;
}

/** One device's JMAP WebSocket on this replica. */
export class DeviceConnection {
  push: PushSubscription | null = null;
  /** Cleared by each ping and set by any sign of life; a socket still cleared at the next ping is dead. */
  alive = true;
  /** What the device was told about its status, policy and wipes on this socket. */
  readonly notices: NoticeMemory = {};
  /**
   * Set while the device may not have mail (quarantined, policy not acknowledged, wipe pending):
   * StateChanges are dropped, and the device is caught up once it may have mail again.
   */
  mailHeld = false;
  /** For the diagnostic trail: when the socket opened, when anything last passed, and why the server ended it. */
  readonly openedAt = Date.now();
  lastActivityAt = this.openedAt;
  cutForMissedPong = false;
  /** Set when `ws` failed the connection for a frame the client sent; it then reports 1006. */
  protocolError: { code: number; reason: string } | undefined;
  /** Called for each StateChange handed to the socket, so the trail sees pushes without the push path knowing it. */
  onPushSent: (() => void) | undefined;
  private closing = false;
  private catchUpsPending = 0;
  private held: string[] = [];
  private requestsInFlight = 0;
  /** Aborted when the socket has closed: the requests it was running stop, as nobody can read their answers. */
  private readonly ended = new AbortController();
  private closeAfterRequests: { code: number; reason: string; timer: NodeJS.Timeout } | undefined;

  constructor(
    readonly socket: SocketLike,
    readonly device: AuthenticatedDevice,
    private readonly limits: ConnectionLimits,
  ) {}

  get accountId(): string {
    return this.device.accountId;
  }

  get deviceId(): string {
    return this.device.deviceId;
  }

  /** True once this side decided to close (revocation, restart, too slow, missed pong). */
  get closedByServer(): boolean {
    return this.closing || this.cutForMissedPong;
  }

  get isOpen(): boolean {
    return !this.closing && this.socket.readyState === OPEN;
  }

  /** Sends a message unless the socket is gone; a device that stopped reading is disconnected. */
  send(payload: string): boolean {
    if (!this.isOpen) return false;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(CloseCode.policyViolation, 'too slow: unread messages exceeded the buffer limit');
      return false;
    }
    this.socket.send(payload);
    this.touch();
    return true;
  }

  /** Something passed on the socket (a message, a ping or pong): it was not idle. */
  touch(): void {
    this.lastActivityAt = Date.now();
  }

  /** False once a close is decided, even while the answers still running are let out. */
  get isAccepting(): boolean {
    return this.isOpen && this.closeAfterRequests === undefined;
  }

  /** The signal every request of this socket runs under (`runWithRequestSignal`). */
  get signal(): AbortSignal {
    return this.ended.signal;
  }

  /** The socket is gone (either side closed it, or the network did): what it was running is cancelled. */
  socketClosed(): void {
    if (this.closeAfterRequests) clearTimeout(this.closeAfterRequests.timer);
    this.closeAfterRequests = undefined;
    this.held = [];
    this.ended.abort(new Error('the device closed its socket'));
  }

  requestStarted(): void {
    this.requestsInFlight += 1;
  }

  requestFinished(): void {
    this.requestsInFlight = Math.max(0, this.requestsInFlight - 1);
    const pending = this.closeAfterRequests;
    if (pending && this.requestsInFlight === 0) this.close(pending.code, pending.reason);
  }

  /**
   * Closes once the requests already running have been answered, or after `graceMs` at most: a
   * device confirming its wipe gets the answer before the socket goes.
   */
  closeWhenAnswered(code: number, reason: string, graceMs: number): void {
    if (this.closing || this.closeAfterRequests) return;
    if (this.requestsInFlight === 0) return this.close(code, reason);
    const timer = setTimeout(() => this.close(code, reason), graceMs);
    timer.unref?.();
    this.closeAfterRequests = { code, reason, timer };
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    if (this.closeAfterRequests) clearTimeout(this.closeAfterRequests.timer);
    this.held = [];
    try {
      this.socket.close(code, closeReason(reason));
    } catch {
      this.socket.terminate();
    }
  }

  enablePush(dataTypes: readonly string[] | null): void {
    this.push = new PushSubscription(dataTypes);
  }

  disablePush(): void {
    this.push = null;
    this.held = [];
  }

  /**
   * While the device is being caught up from its push state, live StateChanges wait, so the
   * device sees the catch-up first and then every later change in order.
   */
  beginCatchUp(): void {
    this.catchUpsPending += 1;
  }

  endCatchUp(catchUp: string | undefined): void {
    this.catchUpsPending = Math.max(0, this.catchUpsPending - 1);
    if (catchUp !== undefined && this.push && this.send(catchUp)) this.onPushSent?.();
    if (this.catchUpsPending > 0) return;
    const held = this.held;
    this.held = [];
    for (const payload of held) {
      if (!this.send(payload)) break;
      this.onPushSent?.();
    }
  }

  /** Hands over a serialised StateChange; true if it was sent or is waiting behind a catch-up. */
  deliverStateChange(payload: string): boolean {
    if (!this.push || !this.isOpen || this.mailHeld) return false;
    if (this.catchUpsPending > 0) {
      this.held.push(payload);
      return true;
    }
    const sent = this.send(payload);
    if (sent) this.onPushSent?.();
    return sent;
  }
}

/** A close frame's reason holds at most 123 bytes of UTF-8 (RFC 6455 §5.5): cut on a character boundary. */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason;
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}...`;
}

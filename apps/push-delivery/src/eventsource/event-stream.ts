import type { EventSourceOptions } from './eventsource-options.js';

/** The part of an HTTP response a stream writes to; tests stand in for it. */
export interface StreamWriter {
  write(chunk: string): boolean;
  end(): void;
  readonly writableLength: number;
}

/** A stream whose unsent bytes pile up past this is not being read and is closed. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * How long an EventSource client told to go away waits before reconnecting (the SSE `retry` field):
 * the default of a few seconds would have a replaced stream's client come straight back.
 */
export const REPLACED_RETRY_MS = 60_000;

/**
 * One device's EventSource connection (RFC 8620 §7.3). A `state` event carries a StateChange and the
 * push state as its id, so a reconnecting client's Last-Event-ID says what it has seen; `ping`
 * events keep the connection alive and never set an id.
 */
export class EventStream {
  private catchingUp = false;
  private held: Array<{ changed: Record<string, string>; pushState: string }> = [];
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The newest push state sent, so nothing older is sent after it. */
  private lastSent: bigint | undefined;
  readonly openedAt = Date.now();

  constructor(
    readonly accountId: string,
    readonly deviceId: string,
    private readonly writer: StreamWriter,
    private readonly options: EventSourceOptions,
    private readonly onClose: (stream: EventStream) => void = () => undefined,
  ) {
    this.schedulePing();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Live changes wait while the catch-up from Last-Event-ID is read, so they arrive after it. */
  beginCatchUp(): void {
    this.catchingUp = true;
  }

  endCatchUp(changed: Record<string, string> | undefined, pushState: string | undefined): void {
    this.catchingUp = false;
    if (changed && pushState !== undefined) this.send(changed, pushState);
    const held = this.held;
    this.held = [];
    for (const change of held) this.send(change.changed, change.pushState);
  }

  /** Hands over an account change; true if it was written or is waiting behind the catch-up. */
  deliver(changed: Readonly<Record<string, string>>, pushState: string): boolean {
    if (this.closed) return false;
    if (this.catchingUp) {
      this.held.push({ changed: { ...changed }, pushState });
      return true;
    }
    return this.send(changed, pushState);
  }

  /**
   * Ends the stream with a `close` event that says why (RFC 8620 §7.3 gives SSE no close status)
   * and a `retry` that keeps the client from reconnecting at once.
   */
  end(reason: { type: string; detail: string }, retryMs = REPLACED_RETRY_MS): void {
    if (this.closed) return;
    this.writer.write(`retry: ${retryMs}\nevent: close\ndata: ${JSON.stringify(reason)}\n\n`);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pingTimer);
    this.held = [];
    this.writer.end();
    this.onClose(this);
  }

  private send(changed: Readonly<Record<string, string>>, pushState: string): boolean {
    if (this.closed) return false;
    const numeric = /^\d{1,18}$/.test(pushState) ? BigInt(pushState) : undefined;
    if (numeric !== undefined && this.lastSent !== undefined && numeric <= this.lastSent) return false;
    const kept: Record<string, string> = {};
    for (const [type, state] of Object.entries(changed)) {
      if (this.options.types === null || this.options.types.has(type)) kept[type] = state;
    }
    if (Object.keys(kept).length === 0) return false;
    if (numeric !== undefined) this.lastSent = numeric;
    const data = JSON.stringify({ '@type': 'StateChange', changed: { [this.accountId]: kept } });
    this.write(`event: state\nid: ${pushState.replace(/[\r\n]/g, '')}\ndata: ${data}\n\n`);
    if (this.options.closeAfterState) this.close();
    return true;
  }

  private ping(): void {
    this.write(`event: ping\ndata: ${JSON.stringify({ interval: this.options.pingSeconds })}\n\n`);
  }

  /** The ping interval restarts with every event, as RFC 8620 §7.3 counts it from the last one. */
  private write(chunk: string): void {
    if (this.closed) return;
    if (this.writer.writableLength > MAX_BUFFERED_BYTES) {
      this.close();
      return;
    }
    this.writer.write(chunk);
    this.schedulePing();
  }

  private schedulePing(): void {
    if (this.options.pingSeconds <= 0 || this.closed) return;
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ping(), this.options.pingSeconds * 1000);
    this.pingTimer.unref();
  }
}

import { CORE_CAPABILITY, MAIL_CAPABILITY } from '../capabilities.js';
import WebSocket, { type RawData } from 'ws';
import type { Invocation } from '../request.js';

/** A message the server sent on the socket, as parsed, with the moment it arrived. */
export type ServerMessage = Record<string, unknown> & { _receivedAt?: number };

export interface StateChange {
  '@type': 'StateChange';
  changed: Record<string, Record<string, string>>;
  pushState?: string;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** `performance.now()` when the close arrived. */
  at: number;
}

export interface DeviceClientOptions {
  /** Sent as `Authorization: Bearer <token>`; omit to authenticate with `headers` alone. */
  token?: string;
  headers?: Record<string, string>;
  /** The capabilities `request()` declares when the caller names none. */
  using?: string[];
  handshakeTimeoutMs?: number;
  localAddress?: string;
  perMessageDeflate?: boolean;
  /**
   * Keep every message in `received` (the default). A process holding thousands of sockets turns
   * it off and reads messages through `onMessage`.
   */
  keepReceived?: boolean;
  /**
   * Sees every frame before it is parsed, with its arrival time; returning true consumes the
   * frame (it is neither parsed nor matched), which keeps timing cheap when only arrival matters.
   */
  onFrame?: (data: RawData, at: number) => boolean;
}

/** The server refused the WebSocket upgrade: its HTTP status and the body that says why. */
export class UpgradeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}${body ? ` ${body}` : ''}`);
    this.name = 'UpgradeRefusedError';
  }

  /** The problem document's `detail`, when the body is one. */
  get detail(): string {
    try {
      return (JSON.parse(this.body) as { detail?: string }).detail ?? '';
    } catch {
      return '';
    }
  }
}

const DEFAULT_USING = [CORE_CAPABILITY, MAIL_CAPABILITY];

interface Waiter {
  match: (message: ServerMessage) => boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A device on the JMAP WebSocket (RFC 8887): sends requests, enables push and waits for what the
 * server sends. The end-to-end tests, the self-test, `npm run device` and the benchmark's device
 * workers all speak to push-delivery through this one client.
 */
export class DeviceClient {
  readonly received: ServerMessage[] = [];
  closeInfo: CloseInfo | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly messageListeners = new Set<(message: ServerMessage) => void>();
  private requestCounter = 0;

  private constructor(
    private readonly socket: WebSocket,
    private readonly options: DeviceClientOptions,
  ) {
    socket.on('message', (data) => this.receive(data));
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      const info = { code, reason: reason.toString(), at: performance.now() };
      this.closeInfo = info;
      for (const waiter of this.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`socket closed (${code} ${info.reason}) while waiting`));
      }
      this.waiters.clear();
      for (const listener of this.closeListeners) listener(info);
      this.closeListeners.clear();
    });
  }

  /** Opens the socket; `auth` is a bearer token or the full options. Rejects with `UpgradeRefusedError` on a refusal. */
  static connect(url: string, auth: string | DeviceClientOptions): Promise<DeviceClient> {
    const options = typeof auth === 'string' ? { token: auth } : auth;
    const headers = {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    };
    const socket = new WebSocket(url, 'jmap', {
      headers,
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeout: options.handshakeTimeoutMs }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.perMessageDeflate === undefined ? {} : { perMessageDeflate: options.perMessageDeflate }),
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new DeviceClient(socket, options)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        const refuse = (): void => {
          reject(new UpgradeRefusedError(response.statusCode ?? 0, body));
          socket.terminate();
        };
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', refuse);
        response.on('error', refuse);
      });
    });
  }

  /** Whether a request or a wait is outstanding, so an arriving frame may be its answer. */
  get waiting(): boolean {
    return this.waiters.size > 0;
  }

  /** Calls `listener` with every message parsed from now on; returns the function that stops it. */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  enablePush(pushState?: string, dataTypes: string[] | null = null): void {
    this.socket.send(
      JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes, ...(pushState ? { pushState } : {}) }),
    );
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  /** Sends one request and resolves with its method responses; a RequestError rejects. */
  async request(methodCalls: Invocation[], using?: string[], timeoutMs = 10_000): Promise<Invocation[]> {
    const id = `r${++this.requestCounter}`;
    const response = this.waitFor((message) => message['requestId'] === id, timeoutMs);
    this.socket.send(
      JSON.stringify({
        '@type': 'Request',
        id,
        using: using ?? this.options.using ?? DEFAULT_USING,
        methodCalls,
      }),
    );
    const message = await response;
    if (message['@type'] !== 'Response') throw new Error(`request ${id} failed: ${JSON.stringify(message)}`);
    return message['methodResponses'] as Invocation[];
  }

  /** The first StateChange that arrives from now on (and matches `predicate`). */
  nextStateChange(
    timeoutMs = 5000,
    predicate: (change: StateChange) => boolean = () => true,
  ): Promise<StateChange> {
    return this.waitFor(
      (message) => message['@type'] === 'StateChange' && predicate(message as unknown as StateChange),
      timeoutMs,
    ) as unknown as Promise<StateChange>;
  }

  /** The first message that arrives from now on and matches. */
  waitFor(match: (message: ServerMessage) => boolean, timeoutMs: number): Promise<ServerMessage> {
    if (this.closeInfo) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = { match, resolve, reject, timer };
      this.waiters.add(waiter);
    });
  }

  /** The first message, received already or arriving later, that matches. */
  firstMatching(match: (message: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return this.waitFor(match, timeoutMs).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; got ${JSON.stringify(this.received)}`);
    });
  }

  waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const listener = (info: CloseInfo): void => {
        clearTimeout(timer);
        resolve(info);
      };
      const timer = setTimeout(() => {
        this.closeListeners.delete(listener);
        reject(new Error(`socket still open after ${timeoutMs} ms`));
      }, timeoutMs);
      this.closeListeners.add(listener);
    });
  }

  /** Resolves when the socket closes, however long that takes. */
  closed(): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve) => this.closeListeners.add(resolve));
  }

  close(code = 1000, reason?: string): void {
    if (!this.closeInfo) this.socket.close(code, reason);
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.socket.terminate();
  }

  private receive(data: RawData): void {
    const at = performance.now();
    if (this.options.onFrame?.(data, at)) return;
    let message: ServerMessage;
    try {
      message = JSON.parse(data.toString()) as ServerMessage;
    } catch {
      return;
    }
    message['_receivedAt'] = at;
    if (this.options.keepReceived !== false) this.received.push(message);
    for (const listener of this.messageListeners) listener(message);
    for (const waiter of this.waiters) {
      if (waiter.match(message)) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(message);
      }
    }
  }

  private closedError(): Error {
    return new Error(`socket closed (${this.closeInfo?.code} ${this.closeInfo?.reason}) while waiting`);
  }
}

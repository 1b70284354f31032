import WebSocket from 'ws';

export interface StateChange {
  '@type': 'StateChange';
  changed: Record<string, Record<string, string>>;
  pushState?: string;
}

export type Invocation = [string, Record<string, unknown>, string];

interface Waiter<T> {
  match: (message: T) => boolean;
  resolve: (message: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A device on the JMAP WebSocket (RFC 8887): sends requests, enables push and waits for what the
 * server sends. Every message received is kept, so a test can wait for one that already arrived.
 */
export class DeviceClient {
  readonly received: Record<string, unknown>[] = [];
  private readonly waiters = new Set<Waiter<Record<string, unknown>>>();
  private requestCounter = 0;
  closeInfo: { code: number; reason: string } | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      message['_receivedAt'] = performance.now();
      this.received.push(message);
      for (const waiter of this.waiters) {
        if (waiter.match(message)) {
          this.waiters.delete(waiter);
          clearTimeout(waiter.timer);
          waiter.resolve(message);
        }
      }
    });
    socket.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const waiter of this.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`socket closed (${code} ${reason.toString()}) while waiting`));
      }
      this.waiters.clear();
    });
  }

  static async connect(url: string, token: string): Promise<DeviceClient> {
    const socket = new WebSocket(url, 'jmap', { headers: { authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)),
      );
    });
    return new DeviceClient(socket);
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

  async request(
    methodCalls: Invocation[],
    using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
    timeoutMs = 10_000,
  ): Promise<Invocation[]> {
    const id = `r${++this.requestCounter}`;
    const response = this.waitFor((message) => message['requestId'] === id, timeoutMs);
    this.socket.send(JSON.stringify({ '@type': 'Request', id, using, methodCalls }));
    const message = await response;
    if (message['@type'] !== 'Response') throw new Error(`request ${id} failed: ${JSON.stringify(message)}`);
    return message['methodResponses'] as Invocation[];
  }

  /** Resolves with the first StateChange received after `since` messages (default: any not yet taken). */
  nextStateChange(
    timeoutMs = 5000,
    predicate: (change: StateChange) => boolean = () => true,
  ): Promise<StateChange> {
    return this.waitFor(
      (message) => message['@type'] === 'StateChange' && predicate(message as unknown as StateChange),
      timeoutMs,
    ) as unknown as Promise<StateChange>;
  }

  waitFor(
    match: (message: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter<Record<string, unknown>> = { match, resolve, reject, timer };
      this.waiters.add(waiter);
    });
  }

  waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
      this.socket.once('close', (code, reason) => {
        clearTimeout(timer);
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  close(): void {
    this.socket.close(1000);
  }
}

import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** What one direction of a proxied connection holds back: bytes and when each chunk may go. */
interface Pending {
  chunk: Buffer;
  due: number;
}

/**
 * One direction of a proxied connection. Chunks keep their order; each waits the proxy's latency
 * from when it arrived, and nothing moves while the proxy is stalled.
 */
class Direction {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly from: Socket,
    private readonly to: Socket,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.queue.push({ chunk, due: Date.now() + proxy.latencyMs });
      this.pump();
    });
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  pump(): void {
    if (this.timer || this.proxy.stalled || this.to.destroyed) return;
    while (this.queue.length > 0) {
      const wait = this.queue[0]!.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const { chunk } = this.queue.shift()!;
      this.proxy.bytesForwarded += chunk.length;
      if (!this.to.write(chunk) && !this.from.isPaused()) {
        // The far side is not keeping up: stop reading until it drains, as a real link would.
        this.from.pause();
        this.to.once('drain', () => this.from.resume());
      }
    }
    if (this.ended) this.to.end();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

interface Link {
  client: Socket;
  upstream: Socket;
  directions: [Direction, Direction];
}

/**
 * A TCP proxy that puts a bad network between its clients and one upstream address: latency on
 * every chunk both ways, stalls (the connections stay open and nothing passes, like a partition
 * that drops packets), connection resets, and refusing new connections (the upstream looks down).
 * The faults are switched while traffic flows; `heal()` ends them all.
 */
export class FaultProxy {
  latencyMs = 0;
  stalled = false;
  /** While set, a new connection is reset at once instead of reaching the upstream. */
  refusing = false;
  connectionsAccepted = 0;
  connectionsReset = 0;
  bytesForwarded = 0;
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly upstream: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1:`port` (0: any free port) and forwards to `upstream`. */
  static async start(upstream: { host: string; port: number }, port = 0): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('the fault proxy has no address');
    return new FaultProxy(server, address.port, upstream);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.links.size;
  }

  /** Holds every byte in both directions until `resume()` or `heal()`; connections stay open. */
  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const link of this.links) for (const direction of link.directions) direction.pump();
  }

  /** Cuts every open connection with a TCP reset, both to the client and to the upstream. */
  resetAll(): number {
    const links = [...this.links];
    for (const link of links) this.reset(link);
    return links.length;
  }

  /** Back to a clean network: no latency, no stall, new connections let through. */
  heal(): void {
    this.latencyMs = 0;
    this.refusing = false;
    this.resume();
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connectionsAccepted += 1;
    client.setNoDelay(true);
    if (this.refusing) {
      this.connectionsReset += 1;
      resetSocket(client);
      return;
    }
    const upstream = createConnection({ host: this.upstream.host, port: this.upstream.port });
    upstream.setNoDelay(true);
    const link: Link = {
      client,
      upstream,
      directions: [new Direction(this, client, upstream), new Direction(this, upstream, client)],
    };
    this.links.add(link);
    const drop = () => {
      if (!this.links.delete(link)) return;
      for (const direction of link.directions) direction.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  }

  private reset(link: Link): void {
    if (!this.links.delete(link)) return;
    this.connectionsReset += 1;
    for (const direction of link.directions) direction.stop();
    resetSocket(link.client);
    resetSocket(link.upstream);
  }
}

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    // Not connected yet: there is nothing to reset, only to drop.
    socket.destroy();
  }
}

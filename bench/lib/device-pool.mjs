// Drives the device-worker processes: spreads sockets over them and gathers what they report.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../workers/device-worker.mjs', import.meta.url));

export class DevicePool {
  constructor(workers) {
    this.workers = workers;
    this.nextId = 0;
    this.onEvents = null;
    this.errors = [];
  }

  /** Starts `count` workers; each holds its sockets with its own open-file budget. */
  static async start(count) {
    const workers = await Promise.all(
      Array.from({ length: count }, async () => {
        const child = fork(WORKER, [], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          serialization: 'advanced',
        });
        await new Promise((resolve, reject) => {
          child.once('message', (message) =>
            message.evt === 'ready' ? resolve() : reject(new Error('worker failed')),
          );
          child.once('exit', (code) => reject(new Error(`device worker exited (${code})`)));
        });
        return { child, progress: { connected: 0, failed: 0 } };
      }),
    );
    const pool = new DevicePool(workers);
    workers.forEach((worker, index) => {
      worker.child.on('message', (message) => {
        // The worker's index, so a late delivery can be told apart by the process that received it.
        if (message.evt === 'events') pool.onEvents?.(message, index);
        else if (message.evt === 'progress')
          worker.progress = { connected: message.connected, failed: message.failed };
        else if (message.evt === 'fetchError' || message.evt === 'error') {
          if (pool.errors.length < 20) pool.errors.push(message.message);
        }
      });
    });
    return pool;
  }

  get pids() {
    return this.workers.map((worker) => worker.child.pid).filter(Boolean);
  }

  call(worker, message, replyEvent) {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const onMessage = (reply) => {
        if (reply.id !== id || reply.evt !== replyEvent) return;
        worker.child.off('message', onMessage);
        worker.child.off('exit', onExit);
        resolve(reply);
      };
      const onExit = (code) => reject(new Error(`device worker exited (${code})`));
      worker.child.on('message', onMessage);
      worker.child.once('exit', onExit);
      worker.child.send({ ...message, id });
    });
  }

  /**
   * Connects `devices` ({ token, accountId, fetch }) spread round robin over the workers, each
   * worker using its own share of `localAddresses`. `onProgress(connected, failed)` is called as it goes.
   */
  async connect(url, devices, { localAddresses = [], concurrency = 64, onProgress, retryForMs } = {}) {
    const shares = this.workers.map(() => []);
    devices.forEach((device, index) => shares[index % shares.length].push(device));
    const addressShares = this.workers.map((_, index) =>
      localAddresses.filter((_address, addressIndex) => addressIndex % this.workers.length === index),
    );
    for (const worker of this.workers) worker.progress = { connected: 0, failed: 0 };
    const ticker = setInterval(() => {
      const totals = this.workers.reduce(
        (sum, worker) => ({
          connected: sum.connected + worker.progress.connected,
          failed: sum.failed + worker.progress.failed,
        }),
        { connected: 0, failed: 0 },
      );
      onProgress?.(totals.connected, totals.failed);
    }, 200);
    try {
      const replies = await Promise.all(
        this.workers.map((worker, index) =>
          this.call(
            worker,
            {
              cmd: 'connect',
              url,
              devices: shares[index],
              localAddresses: addressShares[index].length ? addressShares[index] : localAddresses,
              concurrency,
              retryForMs,
            },
            'connected',
          ),
        ),
      );
      return {
        connected: replies.reduce((total, reply) => total + reply.connected, 0),
        failed: replies.reduce((total, reply) => total + reply.failed, 0),
        errors: replies.flatMap((reply) => reply.errors),
      };
    } finally {
      clearInterval(ticker);
    }
  }

  async setMode(mode) {
    await Promise.all(this.workers.map((worker) => this.call(worker, { cmd: 'mode', mode }, 'ack')));
  }

  async arm() {
    await Promise.all(this.workers.map((worker) => this.call(worker, { cmd: 'arm' }, 'ack')));
  }

  async collect() {
    const replies = await Promise.all(
      this.workers.map((worker) => this.call(worker, { cmd: 'collect' }, 'collected')),
    );
    return {
      times: replies.flatMap((reply) => reply.times),
      missing: replies.reduce((total, reply) => total + reply.missing, 0),
    };
  }

  /** Each worker starts watching its own GC and event loop (lib/pauses.mjs). */
  async startPauses() {
    await Promise.all(
      this.workers.map((worker) => this.call(worker, { cmd: 'pauses', action: 'start' }, 'pauses')),
    );
  }

  /** What each worker saw since `startPauses()`, in worker order. */
  async stopPauses() {
    const replies = await Promise.all(
      this.workers.map((worker) => this.call(worker, { cmd: 'pauses', action: 'stop' }, 'pauses')),
    );
    return replies.map((reply) => reply.pauses);
  }

  async openCount() {
    const replies = await Promise.all(
      this.workers.map((worker) => this.call(worker, { cmd: 'count' }, 'count')),
    );
    return replies.reduce((total, reply) => total + reply.open, 0);
  }

  async close() {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.child.exitCode !== null) return;
        const exited = new Promise((resolve) => worker.child.once('exit', resolve));
        await this.call(worker, { cmd: 'close' }, 'closed').catch(() => undefined);
        const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Loopback source addresses 127.0.0.2 … so more sockets fit than one address's port range allows. */
export function loopbackAddresses(count) {
  return Array.from({ length: count }, (_, index) => `127.0.0.${index + 2}`);
}

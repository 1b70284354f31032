import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from './expect-eventually.js';
import { FaultProxy } from './fault-proxy.js';

/** A client of the proxy that collects what the echo server sends back. */
async function connect(
  proxy: FaultProxy,
): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const closed = new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('close', () => resolve('closed'));
  });
  // A refused connection may be reset before it reports being connected.
  await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed]);
  return { socket, received: () => text, closed };
}

describe(FaultProxy.name, () => {
  let echo: Server;
  let proxy: FaultProxy;

  beforeAll(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await FaultProxy.start({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
  });

  afterAll(async () => {
    await proxy?.close();
    await new Promise((resolve) => echo?.close(resolve));
  });

  it('forwards bytes both ways, in order, after the latency it is given', async () => {
    proxy.latencyMs = 150;
    const client = await connect(proxy);
    const startedAt = Date.now();
    client.socket.write('one,');
    client.socket.write('two');
    await expectEventually(() => expect(client.received()).toBe('one,two'), {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    // 150 ms on the way there and 150 ms back.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    proxy.heal();
    client.socket.destroy();
  });

  it('holds everything while stalled, with the connection open, and lets it through on resume', async () => {
    const client = await connect(proxy);
    proxy.stall();
    client.socket.write('held');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.received()).toBe('');
    expect(client.socket.destroyed).toBe(false);
    proxy.resume();
    await expectEventually(() => expect(client.received()).toBe('held'), { timeoutMs: 5000, intervalMs: 10 });
    client.socket.destroy();
  });

  it('resets open connections, refuses new ones while refusing, and lets them through once healed', async () => {
    const client = await connect(proxy);
    expect(proxy.resetAll()).toBeGreaterThanOrEqual(1);
    expect(await client.closed).toBe('ECONNRESET');

    proxy.refusing = true;
    const refused = await connect(proxy);
    expect(await refused.closed).toBe('ECONNRESET');

    proxy.heal();
    const again = await connect(proxy);
    again.socket.write('back');
    await expectEventually(() => expect(again.received()).toBe('back'), { timeoutMs: 5000, intervalMs: 10 });
    again.socket.destroy();
  });
});

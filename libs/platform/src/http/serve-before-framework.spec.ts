import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { currentRequestSignal } from './request-signal.js';
import { serveBeforeFramework } from './serve-before-framework.js';

const servers: Array<ReturnType<typeof createServer>> = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server whose framework answers `framework`, with a route ahead of it that answers `route`. */
async function listen(seen: { signal?: AbortSignal; request?: IncomingMessage }): Promise<string> {
  const server = createServer((_request, response) => response.end('framework'));
  servers.push(server);
  serveBeforeFramework(server, {
    matches: (request) => request.method === 'POST' && request.url === '/held',
    serve: (request: IncomingMessage, response: ServerResponse) => {
      seen.request = request;
      seen.signal = currentRequestSignal();
      if (request.headers['x-hold'] === undefined) response.end('route');
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe(serveBeforeFramework.name, () => {
  it('answers the requests the route matches itself and hands every other one to the framework', async () => {
    const seen: { signal?: AbortSignal } = {};
    const baseUrl = await listen(seen);
    expect(await (await fetch(`${baseUrl}/held`, { method: 'POST' })).text()).toBe('route');
    expect(seen.signal?.aborted).toBe(false);
    expect(await (await fetch(`${baseUrl}/held`)).text()).toBe('framework');
    expect(await (await fetch(`${baseUrl}/other`, { method: 'POST' })).text()).toBe('framework');
  });

  it("serves the route in the request's signal scope, aborted when the client goes away unanswered", async () => {
    const seen: { signal?: AbortSignal; request?: IncomingMessage } = {};
    const baseUrl = await listen(seen);
    // A client that sends the request and then goes away without waiting for the answer.
    const client = request(`${baseUrl}/held`, { method: 'POST', headers: { 'x-hold': '1' }, agent: false });
    client.on('error', () => undefined);
    client.end();
    await expect.poll(() => seen.signal, { timeout: 10_000 }).toBeDefined();
    expect(seen.signal?.aborted).toBe(false);
    client.destroy();
    await expect.poll(() => seen.signal?.aborted, { timeout: 10_000 }).toBe(true);
  });
});

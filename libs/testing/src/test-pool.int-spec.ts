import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './platform-harness.js';
import { requiredEnv } from './required-env.js';
import { endPoolFully } from './test-pool.js';

/**
 * Forwards to PostgreSQL, holding what clients send for `delayMs` once `slow` is set (so that a
 * client's goodbye reaches the server late, as on a busy machine) and passing the server's answers
 * at once; a client's half-close waits behind its bytes.
 */
async function slowUpstreamProxy(host: string, port: number, delayMs: number) {
  const state = { slow: false };
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host, port, allowHalfOpen: true });
    sockets.add(client).add(upstream);
    const later = (work: () => void) => (state.slow ? setTimeout(work, delayMs) : work());
    client.on('data', (chunk) => later(() => upstream.write(chunk)));
    client.on('end', () => later(() => upstream.end()));
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('end', () => client.end());
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe(endPoolFully.name, () => {
  it('resolves once no connection of the pool is open, so a forced drop right after terminates none', async () => {
    const adminUrl = requiredEnv('DATABASE_URL');
    const database = await createTestDatabase(adminUrl);
    const name = new URL(database.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const server = new URL(adminUrl);
    const proxy = await slowUpstreamProxy(server.hostname, Number(server.port || 5432), 300);
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const pool = new pg.Pool({ connectionString: viaProxy.toString(), max: 2 });
    const poolErrors: unknown[] = [];
    pool.on('error', (error) => poolErrors.push(error));
    try {
      // Both clients idle in the pool afterwards, as a spec's last reads leave them.
      await Promise.all([1, 2].map(() => pool.query('SELECT pg_sleep(0.05)')));
      expect(pool.idleCount).toBe(2);
      proxy.state.slow = true;
      await endPoolFully(pool);
      // What the test kit's drop does, at once.
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(poolErrors).toEqual([]);
    } finally {
      await admin.end();
      await proxy.close();
      await database.drop();
    }
  });
});

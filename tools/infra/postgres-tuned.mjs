// A private PostgreSQL 15 instance with the settings docs/performance.md recommends for production
// ("Sizing and tuning PostgreSQL"), for measurements that must not depend on how the machine's own
// server is configured (a development server often runs with autovacuum off). Debian's binaries,
// a fresh data directory per start, loopback TCP on a chosen port and a unix socket inside the data
// directory; under root the server runs as the unprivileged `postgres` user, as PostgreSQL requires.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { defaultLog, freePort } from './common.mjs';

const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';
const EXTENSION_DIR = '/usr/share/postgresql/15/extension';

/**
 * The production settings, sized for a database server with `memoryMiB` of memory. Memory follows
 * the usual rule (a quarter in shared buffers, three quarters expected in the OS cache); WAL and
 * checkpoints are spaced so a checkpoint comes from the timer, not from WAL volume, at thousands of
 * stored messages per second; autovacuum visits the hot tables (changes, account states) often
 * because they take an update or an insert per stored message.
 */
export function productionSettings({ memoryMiB }) {
  const mib = (value) => `${Math.max(1, Math.round(value))}MB`;
  return {
    shared_buffers: mib(memoryMiB / 4),
    effective_cache_size: mib((memoryMiB * 3) / 4),
    work_mem: '16MB',
    maintenance_work_mem: mib(Math.min(1024, memoryMiB / 16)),
    max_connections: '200',
    wal_level: 'replica',
    wal_buffers: '16MB',
    wal_compression: 'on',
    min_wal_size: '1GB',
    max_wal_size: '8GB',
    checkpoint_timeout: '15min',
    checkpoint_completion_target: '0.9',
    synchronous_commit: 'on',
    fsync: 'on',
    full_page_writes: 'on',
    autovacuum: 'on',
    autovacuum_naptime: '15s',
    autovacuum_vacuum_scale_factor: '0.02',
    autovacuum_vacuum_insert_scale_factor: '0.05',
    autovacuum_analyze_scale_factor: '0.02',
    autovacuum_vacuum_cost_limit: '2000',
    random_page_cost: '1.1',
    effective_io_concurrency: '200',
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.max': '5000',
    'pg_stat_statements.track': 'top',
    track_io_timing: 'on',
  };
}

/** The names read back from a running server and recorded with a benchmark's results. */
export const RECORDED_SETTINGS = [
  ...Object.keys(productionSettings({ memoryMiB: 1024 })).filter((name) => !name.includes('.')),
  'server_version',
];

function asPostgres(args) {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)];
}

function runBinary(binDir, name, args) {
  const [command, rest] = asPostgres([path.join(binDir, name), ...args]);
  return execFileSync(command, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts the instance and returns its URL, the settings written and `stop()`, which stops the
 * server and removes its data directory.
 *
 * @param {{ port?: number, memoryMiB?: number, binDir?: string, log?: (message: string) => void }} [options]
 *   `memoryMiB` sizes the memory settings (default 4096: the benchmark shares its machine with the
 *   services and their broker).
 */
export async function startTunedPostgres({
  port,
  memoryMiB = 4096,
  binDir = process.env.PUSHMAIL_POSTGRES_BIN_DIR || DEFAULT_BIN_DIR,
  log = defaultLog,
} = {}) {
  if (!existsSync(path.join(binDir, 'postgres'))) {
    throw new Error(
      `no PostgreSQL binaries in ${binDir}: install Debian's postgresql-15, set PUSHMAIL_POSTGRES_BIN_DIR, ` +
        'or point the benchmark at a server (--database-url)',
    );
  }
  if (!existsSync(path.join(EXTENSION_DIR, 'pg_stat_statements.control'))) {
    throw new Error(`pg_stat_statements is missing (${EXTENSION_DIR}): install postgresql-contrib`);
  }
  const listenPort = port || (await freePort());
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pushmail-postgres-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dataDir, uid, gid);
  }
  const settings = productionSettings({ memoryMiB });
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    runBinary(binDir, 'initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    const conf = Object.entries({
      ...settings,
      listen_addresses: "'127.0.0.1'",
      port: String(listenPort),
      unix_socket_directories: `'${dataDir}'`,
    }).map(
      ([name, value]) => `${name} = ${/^'/.test(value) || /^[\d.]+$/.test(value) ? value : `'${value}'`}`,
    );
    writeFileSync(
      path.join(dataDir, 'postgresql.auto.conf'),
      `# Written by tools/infra/postgres-tuned.mjs\n${conf.join('\n')}\n`,
    );
    if (process.getuid?.() === 0) {
      const owner = execFileSync('stat', ['-c', '%u:%g', dataDir], { encoding: 'utf8' }).trim().split(':');
      chownSync(path.join(dataDir, 'postgresql.auto.conf'), Number(owner[0]), Number(owner[1]));
    }
    runBinary(binDir, 'pg_ctl', [
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  } catch (error) {
    removeData();
    const detail = error.stderr ? `: ${String(error.stderr).trim().slice(-2000)}` : `: ${error.message}`;
    throw new Error(`the tuned PostgreSQL did not start${detail}`);
  }
  log(`PostgreSQL (production settings) listening on 127.0.0.1:${listenPort}, data in ${dataDir}`);
  let stopping;
  return {
    url: `postgres://postgres@127.0.0.1:${listenPort}/postgres`,
    port: listenPort,
    dataDir,
    settings,
    stop: () => {
      stopping ??= Promise.resolve().then(() => {
        try {
          runBinary(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
        } catch (error) {
          log(`stopping the tuned PostgreSQL: ${String(error.stderr ?? error.message).trim()}`);
        }
        removeData();
      });
      return stopping;
    },
  };
}

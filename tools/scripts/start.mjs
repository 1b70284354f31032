// `npm start`: brings up whatever infrastructure is not configured, then the six services, and
// prints where to reach them. Ctrl-C stops everything it started.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureInfrastructure } from '../infra/index.mjs';
import { startPlatform } from '@pushmail/testing';

const log = (message) => console.log(`[pushmail] ${message}`);
const cacheDir = process.env.PUSHMAIL_CACHE_DIR || join(homedir(), '.cache', 'pushmail');
mkdirSync(cacheDir, { recursive: true });

/** Development secrets are generated once and kept in a file only this user can read. */
function devSecret(name, prefix) {
  if (process.env[name]) return process.env[name];
  const file = join(cacheDir, name.toLowerCase().replace(/_/g, '-'));
  if (!existsSync(file)) {
    writeFileSync(file, `${prefix}${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

async function ensureDatabase(adminUrl, name) {
  const url = new URL(adminUrl);
  if (url.pathname.length > 1 && url.pathname !== '/postgres') return adminUrl;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

const colors = {
  'device-registry': 35,
  mailbox: 34,
  ingest: 32,
  'push-delivery': 36,
  operations: 33,
  activesync: 31,
  outbound: 91,
};
function printLine(service, line) {
  let text = line;
  try {
    const entry = JSON.parse(line);
    text = `${entry.level >= 50 ? 'ERROR ' : entry.level >= 40 ? 'WARN ' : ''}${entry.msg ?? ''}`;
  } catch {
    // not a JSON log line: print as is
  }
  console.log(`\x1b[${colors[service]}m${service.padEnd(15)}\x1b[0m ${text}`);
}

const infra = await ensureInfrastructure({ purpose: 'start', log });
let platform;
let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await platform?.stop().catch((error) => console.error(error));
  await infra.stop().catch((error) => console.error(error));
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const databaseUrl = await ensureDatabase(infra.databaseUrl, 'pushmail');
  const adminToken = devSecret('ADMIN_TOKEN', 'pma_');
  const internalToken = devSecret('INTERNAL_TOKEN', '');
  const host = process.env.HTTP_HOST || '127.0.0.1';
  platform = await startPlatform({
    kafkaBrokers: infra.kafkaBrokers,
    databaseUrl,
    host,
    mode: 'development',
    mailDomains: (process.env.MAIL_DOMAINS || 'example.com').split(','),
    adminToken,
    internalToken,
    ports: {
      smtp: Number(process.env.SMTP_PORT || 2525),
      push: Number(process.env.PUSH_HTTP_PORT || 8080),
      registry: Number(process.env.REGISTRY_HTTP_PORT || 8081),
      mailbox: Number(process.env.MAILBOX_HTTP_PORT || 8082),
      ingest: Number(process.env.INGEST_HTTP_PORT || 8083),
      operations: Number(process.env.OPERATIONS_HTTP_PORT || 8085),
      activesync: Number(process.env.ACTIVESYNC_HTTP_PORT || 8084),
      outbound: Number(process.env.OUTBOUND_HTTP_PORT || 8086),
    },
    onLogLine: printLine,
  });
  console.log(`
  pushmail is running.

    SMTP (ingest)          ${platform.smtp.host}:${platform.smtp.port}   domains: ${platform.mailDomains.join(', ')}
    JMAP session           ${platform.sessionUrl}
    JMAP WebSocket         ${platform.websocketUrl}
    device registry        ${platform.registryUrl}
    ActiveSync (phones)    ${platform.activesyncUrl}/Microsoft-Server-ActiveSync   (Autodiscover: ${platform.activesyncUrl}/autodiscover/autodiscover.xml)
    console                ${platform.operationsUrl}/console/
    admin API              ${platform.operationsUrl}/admin  (npm run admin reaches it by default)
    outbound (sending)     http://${platform.host}:${platform.ports.outbound}/metrics  (smarthost: set RELAY_URL)
    admin token            in ${join(cacheDir, 'admin-token')}  (export PUSHMAIL_ADMIN_TOKEN="$(cat ${join(cacheDir, 'admin-token')})")
    Kafka                  ${infra.kafkaBrokers}

  Ctrl-C stops everything.
`);
  for (const [service, child] of platform.processes) {
    child.on('exit', (code, signal) => {
      if (!stopping) {
        log(`${service} exited (${code ?? signal}); stopping the platform`);
        void shutdown(1);
      }
    });
  }
} catch (error) {
  console.error(`[pushmail] could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

// CPU per stored message, with the fixed (idle) cost apart: starts the platform on a broker and a
// PostgreSQL server of its own, reads each process's CPU time (/proc/<pid>/stat) over an idle
// window, then over a burst of 4 KB messages sent as the ingest scenario sends them, and prints
// per-message CPU with the idle rate subtracted. With --profile the services write CPU profiles.
//   node bench/experiments/cpu-per-message.mjs [--messages 5000] [--idle-seconds 60] \
//     [--sessions 20] [--window 4] [--kafka-port 29692] [--postgres-port <free>] [--profile <dir>]
import { parseArgs } from 'node:util';
import { RegistryClient, SERVICE_NAMES } from '@pushmail/testing';
import { startIsolatedPlatform } from '../lib/isolated-platform.mjs';
import { findKafkaPid, ProcessSampler } from '../lib/procstat.mjs';
import { openDatabase, postgresPids, waitRecipientKnown } from '../lib/platform-probes.mjs';
import { statementTracker } from '../lib/postgres-stats.mjs';
import { Progress } from '../lib/progress.mjs';
import { sleep } from '../lib/stats.mjs';
import { createAccounts } from '../scenarios/setup.mjs';
import { runIngest } from '../scenarios/ingest.mjs';
import { warmUp } from '../scenarios/warmup.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    'idle-seconds': { type: 'string', default: '60' },
    sessions: { type: 'string', default: '20' },
    window: { type: 'string', default: '4' },
    'kafka-port': { type: 'string', default: '29692' },
    'postgres-port': { type: 'string', default: '' },
    profile: { type: 'string' },
  },
});
const DOMAIN = 'bench.example';
const progress = new Progress();
const log = (message) => progress.log(`[cpu] ${message}`);

const { platform, infra, stop } = await startIsolatedPlatform({
  kafkaPort: values['kafka-port'],
  postgresPort: values['postgres-port'],
  domain: DOMAIN,
  log,
  env: values.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values.profile}` } : {},
});
try {
  const db = await openDatabase(platform.databaseUrl);
  const statements = await statementTracker(db);
  const kafkaPid = findKafkaPid(infra.kafkaBrokers);
  const pg = await postgresPids(db);
  const targets = {
    ...Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, () => [platform.processes.get(name)?.pid].filter(Boolean)]),
    ),
    kafka: () => (kafkaPid ? [kafkaPid] : []),
    postgres: () => [...pg.ours, ...pg.background],
  };
  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const accounts = await createAccounts({
    registry,
    domain: DOMAIN,
    prefix: 'cpu',
    accounts: 100,
    devicesPerAccount: 0,
    progress,
    label: 'accounts',
  });
  const addresses = accounts.map((account) => account.address);
  await waitRecipientKnown(platform.smtp, addresses.at(-1));
  await warmUp({ platform, db, addresses, progress, seqStart: 1 });
  Object.assign(pg, await postgresPids(db));
  await sleep(10_000);

  const idleSampler = new ProcessSampler(targets, 1000).start();
  await sleep(Number(values['idle-seconds']) * 1000);
  const idle = idleSampler.stop();
  Object.assign(pg, await postgresPids(db));

  await statements?.start();
  const burstSampler = new ProcessSampler(targets, 500);
  const refresher = setInterval(() => void postgresPids(db).then((now) => Object.assign(pg, now)), 1000);
  const result = await runIngest({
    platform,
    db,
    addresses,
    messages: Number(values.messages),
    sizeBytes: 4096,
    sessions: Number(values.sessions),
    window: Number(values.window),
    progress,
    label: 'burst',
    sampler: burstSampler,
    seqStart: 1000,
  });
  clearInterval(refresher);
  const sql = await statements?.read(15);
  const stored = result.storedInDatabase;
  const rows = Object.keys(targets).map((name) => {
    const idleRate = idle.processes[name].cpuSeconds / idle.seconds;
    const burst = result.usage.processes[name].cpuSeconds;
    const net = burst - idleRate * result.usage.seconds;
    return {
      process: name,
      idlePercentOfCore: Math.round(idleRate * 1000) / 10,
      burstCpuSeconds: burst,
      msPerMessageGross: Math.round((burst / stored) * 1e5) / 100,
      msPerMessageNet: Math.round((net / stored) * 1e5) / 100,
    };
  });
  console.log(
    JSON.stringify(
      {
        stored,
        accepted: result.accepted,
        refused: result.refused,
        burstSeconds: result.usage.seconds,
        acceptedMsgsPerS: result.acceptedMsgsPerS,
        storedMsgsPerS: result.storedMsgsPerS,
        messagesPerAccountTransaction: result.messagesPerAccountTransaction,
        smtpAcceptP50: result.smtp_accept_ms?.p50,
        rows,
        sql: sql && {
          callsPerStoredMessage: sql.callsPerStoredMessage,
          execMsPerStoredMessage: sql.execMsPerStoredMessage,
          top: sql.top.map((row) => ({
            calls: row.callsPerStoredMessage,
            meanMs: row.meanMs,
            query: row.query.slice(0, 140),
          })),
        },
      },
      null,
      2,
    ),
  );
  await db.end();
} finally {
  await stop();
}

// `npm run soak` (not in CI): runs the platform as the bench does, measures the ingest rate with a
// short burst (or takes --rate), then sends mail at half that rate for --minutes with JMAP
// WebSocket devices connected. Prints the ledger (sent / answered 250 / stored / lost / doubled),
// every process's RSS along the way, consumer lag and dead letters, and exits 1 on a lost message,
// on RSS that keeps growing in the last third of the run, or on any dead letter.
// `npm run soak -- --help` lists the flags; docs/performance.md says what is checked.
import { writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

import { DevicePool } from './lib/device-pool.mjs';
import { cleanUpOnInterrupt, stopPlatform } from './lib/run-lifecycle.mjs';
import { buildMessage, RUN_TAG, subjectOf } from './lib/messages.mjs';
import { openDatabase, waitRecipientKnown } from './lib/platform-probes.mjs';
import { heapGrowth, heapSnapshotSummary, INSPECTOR_LINE, memoryAfterGc } from './lib/inspector.mjs';
import { findKafkaPid, readProcess } from './lib/procstat.mjs';
import { Progress } from './lib/progress.mjs';
import { groupLag, waitForQuiet } from './lib/quiesce.mjs';
import { measuredServices } from './lib/services.mjs';
import { SmtpPool } from './lib/smtp-pipeline.mjs';
import { nowMs, sleep } from './lib/stats.mjs';
import { runIngest } from './scenarios/ingest.mjs';
import { createAccounts } from './scenarios/setup.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOMAIN = 'bench.example';
const MAIL_ARRIVED = 'pushmail.mail.arrived.v1';
const MAILBOX_CHANGED = 'pushmail.mailbox.changed.v1';
const DEAD_LETTER = 'pushmail.dead-letter.v1';
/**
 * A service's memory levels off when the least-squares slope of its samples in the last third of the
 * run is at most --rss-slope-mib-per-hour. The samples are its RSS, or with --heap the JS heap used
 * right after two full collections: what the program keeps, without the steps in which V8 and the
 * allocator reserve memory (RSS alone rose in such steps with a flat heap). Kafka (a JVM growing its heap) and the soak's own
 * processes are shown but not judged. A run under JUDGED_AFTER_S (warm-up growth would dominate)
 * or with fewer than 3 samples in its last third is not judged. Declared up here: the verdict is
 * read at the end of the run, which starts below.
 */
const JUDGED_AFTER_S = 15 * 60;

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string' },
    'burst-messages': { type: 'string', default: '2000' },
    accounts: { type: 'string', default: '50' },
    'devices-per-account': { type: 'string', default: '2' },
    sessions: { type: 'string', default: '4' },
    size: { type: 'string', default: '4096' },
    'sample-seconds': { type: 'string', default: '30' },
    'rss-slope-mib-per-hour': { type: 'string', default: '50' },
    'kafka-port': { type: 'string', default: '29592' },
    heap: { type: 'boolean', default: false },
    'inspect-port': { type: 'string', default: '0' },
    'snapshot-services': { type: 'string', default: '' },
    'snapshot-at-minutes': { type: 'string', default: '' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`npm run soak -- [flags]

  --minutes N                  length of the steady phase (30)
  --rate R                     messages per second; without it, half the rate a burst measures
  --burst-messages N           size of that burst (2000)
  --accounts N                 accounts mail goes to (50)
  --devices-per-account N      JMAP WebSocket devices per account, one of them fetching (2)
  --sessions N                 SMTP sessions (4)
  --size B                     message size in bytes (4096)
  --sample-seconds S           RSS and lag sampling interval (30)
  --rss-slope-mib-per-hour M   a service fails when its memory grows faster than this over the
                               last third of the run (50): its RSS, or with --heap its heap used
                               after collection
  --kafka-port P               port of the broker started for the soak alone (29592)
  --heap                       services run with an inspector; every sample also reads each one's
                               memory right after two full collections (heap used, heap total, RSS)
  --inspect-port P             their inspectors listen on P, P+1, … (default: free ports)
  --snapshot-services a,b      with --heap: heap snapshots of these services, summarised by kind of
  --snapshot-at-minutes m1,m2  object, at these minutes of the steady phase; what grew between
                               the first and the last is printed
  --out FILE                   the samples, verdicts and heap growth as JSON`);
  process.exit(0);
}
const num = (name) => {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const minutes = num('minutes');
const sampleMs = num('sample-seconds') * 1000;
const slopeLimit = num('rss-slope-mib-per-hour');

const progress = new Progress();
const log = (message) => progress.log(`[soak] ${message}`);
let infra;
let platform;
let db;
let pool;
let admin;
/** Known once main has loaded the test kit. */
let MEASURED_SERVICES;

async function cleanup() {
  await pool?.close().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await stopPlatform({ platform, infra, log });
}
cleanUpOnInterrupt({ progress, log, runName: 'soak', cleanup });

try {
  process.exitCode = await main();
} catch (error) {
  progress.finishLine();
  console.error(`[soak] failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
await cleanup();

async function main() {
  const { startPlatform, RegistryClient } = await import('@pushmail/testing');
  MEASURED_SERVICES = await measuredServices();
  const { ensureInfrastructure } = await import('../tools/infra/index.mjs');
  // A broker of its own: the services' group and topic names are fixed (see bench/run.mjs).
  delete process.env.KAFKA_BROKERS;
  process.env.PUSHMAIL_KAFKA_PORT = flags['kafka-port'];
  progress.start('infrastructure (Kafka, Postgres)', null);
  infra = await ensureInfrastructure({ purpose: 'start', log, fresh: true });
  progress.done(infra.kafkaBrokers);
  const kafkaPid = findKafkaPid(infra.kafkaBrokers);
  const perAccount = num('devices-per-account');

  const inspectorUrls = new Map();
  const inspectBase = Number(flags['inspect-port']);
  const inspected = (service) =>
    flags.heap
      ? {
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:${
            inspectBase ? inspectBase + MEASURED_SERVICES.indexOf(service) : 0
          }`.trim(),
        }
      : {};
  progress.start(`platform (${MEASURED_SERVICES.length} services)`, null);
  platform = await startPlatform({
    // A loaded machine can take minutes to start six services at once.
    readyTimeoutMs: 600_000,
    onLogLine: (service, line) => {
      const match = INSPECTOR_LINE.exec(line);
      if (match) inspectorUrls.set(service, match[1]);
    },
    kafkaBrokers: infra.kafkaBrokers,
    databaseUrl: infra.databaseUrl,
    freshDatabase: true,
    mode: 'development',
    mailDomains: [DOMAIN],
    logDirectory: join(repoRoot, 'bench/results/soak-logs'),
    serviceEnv: {
      ...Object.fromEntries(MEASURED_SERVICES.map((service) => [service, inspected(service)])),
      'device-registry': {
        MAX_DEVICES_PER_ACCOUNT: String(Math.max(10, perAccount)),
        ...inspected('device-registry'),
      },
      ingest: { SMTP_MAX_CLIENTS_PER_ADDRESS: '100000', ...inspected('ingest') },
    },
  });
  progress.done(`smtp ${platform.smtp.port}, push ${platform.ports.push}`);
  db = await openDatabase(platform.databaseUrl);
  const kafka = new kafkajs.Kafka({
    clientId: 'soak',
    brokers: infra.kafkaBrokers.split(','),
    logLevel: kafkajs.logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();

  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const accounts = await createAccounts({
    registry,
    domain: DOMAIN,
    prefix: 'soak',
    accounts: num('accounts'),
    devicesPerAccount: perAccount,
    progress,
    label: 'setup: accounts and devices',
  });
  await waitRecipientKnown(platform.smtp, accounts.at(-1).address);
  const addresses = accounts.map((account) => account.address);
  const size = num('size');

  // ---- the rate: given, or half of what a burst is stored at --------------------------------
  let seq = 1;
  let rate = flags.rate === undefined ? null : num('rate');
  if (rate === null) {
    const burst = await runIngest({
      platform,
      db,
      addresses,
      messages: num('burst-messages'),
      sizeBytes: size,
      sessions: num('sessions'),
      window: 4,
      progress,
      label: 'burst: measure the ingest rate',
      seqStart: 0,
    });
    seq = num('burst-messages') + 1;
    const measured = burst.steadyStoredMsgsPerS ?? burst.storedMsgsPerS;
    if (!measured) throw new Error(`the burst did not finish storing (${burst.storedInDatabase} stored)`);
    rate = Math.max(1, Math.round(measured / 2));
    log(`burst stored ${measured} msg/s; soaking at ${rate} msg/s`);
    await waitForQuiet(infra.kafkaBrokers, { progress });
  }

  // ---- devices -------------------------------------------------------------------------------
  pool = await DevicePool.start(2);
  const devices = accounts.flatMap((account) =>
    account.devices.map((device, index) => ({
      token: device.token,
      accountId: account.accountId,
      fetch: index === 0,
    })),
  );
  progress.start(`connect ${devices.length} devices`, devices.length);
  const connected = await pool.connect(platform.websocketUrl, devices, {
    concurrency: 50,
    onProgress: (count) => progress.update(count),
  });
  progress.done(`${connected.connected} connected`);
  if (connected.failed > 0)
    throw new Error(`${connected.failed} devices could not connect: ${connected.errors[0]}`);
  await pool.setMode('latency');
  let pushes = 0;
  const fetched = new Set();
  pool.onEvents = (message) => {
    pushes += message.push.length / 2;
    for (let index = 0; index < message.fetch.length; index += 3) fetched.add(message.fetch[index]);
  };

  // ---- the steady phase ----------------------------------------------------------------------
  const processes = {
    ...Object.fromEntries(
      MEASURED_SERVICES.map((service) => [service, () => platform.processes.get(service)?.pid]),
    ),
    kafka: () => kafkaPid,
    'soak (load, devices)': () => process.pid,
  };
  const samples = []; // { atS, rss: { name: MiB }, lag: { group: events } }
  const sample = async (startedAt) => {
    const rss = {};
    for (const [name, pidOf] of Object.entries(processes)) {
      const pids = name.startsWith('soak') ? [process.pid, ...pool.pids] : [pidOf()];
      rss[name] = mib(pids.reduce((sum, pid) => sum + (readProcess(pid)?.rssBytes ?? 0), 0));
    }
    const row = { atS: (nowMs() - startedAt) / 1000, rss, lag: await lags() };
    if (flags.heap) {
      // Read after RSS: the forced collections must not shrink what RSS is judged on.
      row.heapUsed = {};
      row.heapTotal = {};
      row.rssAfterGc = {};
      for (const service of MEASURED_SERVICES) {
        const url = inspectorUrls.get(service);
        const memory = url ? await memoryAfterGc(url).catch(() => null) : null;
        row.heapUsed[service] = memory ? mib(memory.heapUsed) : null;
        row.heapTotal[service] = memory ? mib(memory.heapTotal) : null;
        row.rssAfterGc[service] = memory ? mib(memory.rss) : null;
      }
    }
    samples.push(row);
  };
  const snapshotServices = flags['snapshot-services'].split(',').filter(Boolean);
  const snapshotTimes = flags['snapshot-at-minutes']
    .split(',')
    .filter(Boolean)
    .map((value) => Number(value) * 60_000);
  const snapshots = []; // { atS, byService: { name: summary } }
  let snapshotting = null;
  const takeSnapshots = async (startedAt) => {
    const byService = {};
    for (const service of snapshotServices) {
      const url = inspectorUrls.get(service);
      if (url)
        byService[service] = await heapSnapshotSummary(url).catch((error) => ({ error: String(error) }));
    }
    snapshots.push({ atS: (nowMs() - startedAt) / 1000, byService });
    log(`heap snapshots of ${snapshotServices.join(', ')} at ${Math.round((nowMs() - startedAt) / 1000)} s`);
  };
  const lags = async () => {
    const { groups } = await admin.listGroups();
    const lag = { mailbox: await groupLag(admin, 'mailbox', MAIL_ARRIVED) };
    // Each push-delivery instance has a group of its own; its compacted views' groups (which
    // commit nothing on the change topic) are left out.
    for (const { groupId } of groups.filter((group) => group.groupId.startsWith('push-delivery-'))) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [MAILBOX_CHANGED] });
      if (committed?.partitions.some((partition) => Number(partition.offset) >= 0))
        lag[groupId] = await groupLag(admin, groupId, MAILBOX_CHANGED);
    }
    return lag;
  };

  const deadAtStart = await deadLetterCount(admin);
  const smtp = await SmtpPool.open(platform.smtp.host, platform.smtp.port, num('sessions'));
  const firstSeq = seq;
  const total = Math.round(rate * minutes * 60);
  const accepted = [];
  const refusals = new Map();
  const replies = [];
  const startedAt = nowMs();
  await sample(startedAt);
  let nextSample = startedAt + sampleMs;
  progress.start(`soak: ${rate} msg/s for ${minutes} min`, total);
  for (let sent = 0; sent < total;) {
    const due = Math.min(total, Math.floor(((nowMs() - startedAt) / 1000) * rate));
    for (; sent < due; sent += 1) {
      const current = seq++;
      const to = addresses[current % addresses.length];
      replies.push(
        smtp
          .send({
            from: 'sender@bench.example',
            to,
            data: buildMessage({ seq: current, to, sizeBytes: size }),
          })
          .then(
            (reply) =>
              reply.code === 250 ? accepted.push(current) : count(refusals, reply.text.slice(0, 80)),
            (error) => count(refusals, String(error?.message ?? error).slice(0, 80)),
          ),
      );
    }
    // Beside the sending loop, not in it: a snapshot stops its process for seconds, and the load
    // goes on meanwhile (the services' timeouts see what a real pause would cause).
    if (flags.heap && snapshotTimes.length && !snapshotting && nowMs() - startedAt >= snapshotTimes[0]) {
      snapshotTimes.shift();
      snapshotting = takeSnapshots(startedAt).finally(() => (snapshotting = null));
    }
    if (nowMs() >= nextSample) {
      await sample(startedAt);
      nextSample += sampleMs;
      const last = samples.at(-1);
      progress.update(sent, `250 ${accepted.length}  pushes ${pushes}  mailbox lag ${last.lag.mailbox}`);
    }
    await sleep(50);
  }
  await Promise.all(replies);
  await snapshotting;
  progress.done(`sent ${total}, answered 250: ${accepted.length}`);
  if (smtp.reopened)
    log(`SMTP sessions opened again after the server or the network ended them: ${smtp.reopened}`);
  await smtp.close();
  await waitForQuiet(infra.kafkaBrokers, { progress, timeoutMs: 300_000 }).catch((error) =>
    log(error.message),
  );
  await sample(startedAt);

  // ---- the ledger ----------------------------------------------------------------------------
  const { rows } = await db.query(
    `SELECT subject, count(*)::int AS n FROM mailbox.emails WHERE subject LIKE $1 GROUP BY subject`,
    [`bench ${RUN_TAG} #%`],
  );
  const storedCopies = new Map(rows.map((row) => [row.subject, row.n]));
  const lost = accepted.filter((current) => !storedCopies.has(subjectOf(current)));
  const doubled = rows.filter((row) => row.n > 1 && Number(row.subject.split('#')[1]) >= firstSeq).length;
  const stored = accepted.filter((current) => storedCopies.has(subjectOf(current))).length;
  const deadLetters = (await deadLetterCount(admin)) - deadAtStart;

  console.log('\nledger (steady phase)');
  console.table({
    sent: total,
    'answered 250': accepted.length,
    refused: total - accepted.length,
    stored,
    lost: lost.length,
    doubled,
    'device pushes': pushes,
    'fetched by devices': [...fetched].filter((subject) => Number(subject.split('#')[1]) >= firstSeq).length,
    'dead letters': deadLetters,
  });
  if (refusals.size) console.log('refusals:', Object.fromEntries(refusals));
  console.log('RSS (MiB) by sample');
  console.table(Object.fromEntries(samples.map((row) => [`${Math.round(row.atS)} s`, row.rss])));
  console.log('consumer lag (events) by sample');
  console.table(Object.fromEntries(samples.map((row) => [`${Math.round(row.atS)} s`, row.lag])));

  if (flags.heap) {
    console.log('JS heap used right after two full collections (MiB) by sample');
    console.table(Object.fromEntries(samples.map((row) => [`${Math.round(row.atS)} s`, row.heapUsed])));
    console.log('heap used after collection: slope over the last third (MiB/hour)');
    console.table(
      Object.fromEntries(
        MEASURED_SERVICES.map((name) => [
          name,
          tailSlope(samples, (row) => row.heapUsed?.[name])?.toFixed(1) ?? '-',
        ]),
      ),
    );
  }
  const growth = {};
  if (snapshots.length >= 2) {
    for (const service of snapshotServices) {
      const first = snapshots[0].byService[service];
      const last = snapshots.at(-1).byService[service];
      if (!first?.byKind || !last?.byKind) continue;
      growth[service] = {
        fromS: Math.round(snapshots[0].atS),
        toS: Math.round(snapshots.at(-1).atS),
        ...heapGrowth(first, last),
      };
      console.log(
        `${service}: heap snapshot ${mib(first.totalBytes)} -> ${mib(last.totalBytes)} MiB between ${growth[service].fromS} s and ${growth[service].toS} s; largest growth:`,
      );
      console.table(
        growth[service].byBytes.slice(0, 12).map((row) => ({
          kind: row.kind,
          count: `${row.countBefore} -> ${row.countAfter}`,
          bytes: row.bytesGrowth,
        })),
      );
    }
  }
  const judgedBy = flags.heap ? 'heap used after collection' : 'RSS';
  const verdicts = growthVerdicts(
    samples,
    flags.heap ? (row, name) => row.heapUsed?.[name] : (row, name) => row.rss[name],
  );
  const growing = verdicts.filter((verdict) => verdict.fails);
  console.log(`${judgedBy}: slope over the last third (MiB/hour), judged:`);
  console.table(Object.fromEntries(verdicts.map((verdict) => [verdict.name, verdict.text])));
  const failures = [
    lost.length && `${lost.length} messages answered 250 are not stored (first: #${lost[0]})`,
    deadLetters && `${deadLetters} dead letters`,
    ...growing.map((verdict) => `${verdict.name}: ${judgedBy} still growing, ${verdict.text}`),
  ].filter(Boolean);
  if (flags.out) {
    writeFileSync(
      resolve(flags.out),
      `${JSON.stringify(
        {
          command: `npm run soak -- ${process.argv.slice(2).join(' ')}`,
          rate,
          minutes,
          ledger: {
            sent: total,
            accepted: accepted.length,
            stored,
            lost: lost.length,
            doubled,
            pushes,
            deadLetters,
          },
          rssSlopeMiBPerHour: Object.fromEntries(
            MEASURED_SERVICES.map((name) => [name, tailSlope(samples, (row) => row.rss[name])]),
          ),
          heapUsedSlopeMiBPerHour: flags.heap
            ? Object.fromEntries(
                MEASURED_SERVICES.map((name) => [name, tailSlope(samples, (row) => row.heapUsed?.[name])]),
              )
            : null,
          samples,
          heapGrowth: growth,
        },
        null,
        2,
      )}\n`,
    );
  }
  for (const failure of failures) console.log(`[soak] FAIL ${failure}`);
  if (!failures.length) console.log('[soak] PASS');
  return failures.length ? 1 : 0;
}

/** Per service: does `valueOf(sample, service)` (MiB) still grow over the last third of the run? */
function growthVerdicts(samples, valueOf) {
  const end = samples.at(-1).atS;
  const tail = samples.filter((row) => row.atS >= (end * 2) / 3);
  const judged = end >= JUDGED_AFTER_S && tail.length >= 3;
  return MEASURED_SERVICES.map((name) => {
    if (!judged)
      return {
        name,
        fails: false,
        text: `not judged (run under 15 min or under 3 samples in its last third)`,
      };
    const points = tail
      .map((row) => [row.atS / 3600, valueOf(row, name)])
      .filter(([, value]) => typeof value === 'number');
    if (points.length < 3)
      return { name, fails: false, text: 'not judged (under 3 samples in its last third)' };
    const slope = leastSquaresSlope(points);
    return {
      name,
      fails: slope > slopeLimit,
      text: `${slope.toFixed(1)} (limit ${slopeLimit}; ${valueOf(samples[0], name)} -> ${valueOf(samples.at(-1), name)} MiB)`,
    };
  });
}

/** Least-squares slope (per hour) of `valueOf(sample)` over the last third of the run, or null. */
function tailSlope(samples, valueOf) {
  const end = samples.at(-1).atS;
  const points = samples
    .filter((row) => row.atS >= (end * 2) / 3 && typeof valueOf(row) === 'number')
    .map((row) => [row.atS / 3600, valueOf(row)]);
  return points.length >= 2 ? Math.round(leastSquaresSlope(points) * 10) / 10 : null;
}

function leastSquaresSlope(points) {
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const num = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const den = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Events on the dead-letter topic (none while the topic does not exist yet). */
async function deadLetterCount(admin) {
  const offsets = await admin.fetchTopicOffsets(DEAD_LETTER).catch(() => []);
  return offsets.reduce((sum, part) => sum + Number(part.high) - Number(part.low), 0);
}

function count(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function mib(bytes) {
  return Math.round((bytes / 1048576) * 10) / 10;
}

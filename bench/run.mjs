// `npm run bench`: runs the platform as `npm start` does (infrastructure from tools/infra, the
// services from their build) on a fresh database, and measures push latency, ingest throughput,
// catch-up after being offline and connection density; on request (--only) the same push-latency
// load against the classic stack (Postfix + Dovecot) and the cost per message as mailboxes grow.
// Prints a table and writes bench/results/latest.json. `npm run bench -- --help` lists the flags.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DevicePool, loopbackAddresses } from './lib/device-pool.mjs';
import { cleanUpOnInterrupt, stopPlatform } from './lib/run-lifecycle.mjs';
import { RUN_TAG } from './lib/messages.mjs';
import { parseOptions } from './lib/options.mjs';
import { openDatabase, postgresPids, waitRecipientKnown } from './lib/platform-probes.mjs';
import { readSettings, statementTracker, trailTracker } from './lib/postgres-stats.mjs';
import {
  descendantsOf,
  findKafkaPid,
  kafkaVersionOf,
  loadAverage,
  machineInfo,
  otherCpuBetween,
  ProcessSampler,
  snapshotAllCpu,
} from './lib/procstat.mjs';
import { pauseLine, pauseRecorder } from './lib/pauses.mjs';
import { Progress } from './lib/progress.mjs';
import { measuredServices } from './lib/services.mjs';
import { startStageTracer } from './lib/stage-tracer.mjs';
import { waitForQuiet } from './lib/quiesce.mjs';
import { median, medianOfSummaries } from './lib/stats.mjs';
import { measureCatchup, prepareCatchup, summarizeCatchup } from './scenarios/catchup.mjs';
import { runDensity } from './scenarios/density.mjs';
import { runIngest } from './scenarios/ingest.mjs';
import { runPushLatency } from './scenarios/push-latency.mjs';
import { cpuMsPerMessage, medianCpu, runClassicBaseline } from './scenarios/baseline.mjs';
import { runStoreScaling } from './scenarios/store-scaling.mjs';
import { REMOTE_DOMAIN, runOutbound } from './scenarios/outbound.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';
import { createAccounts } from './scenarios/setup.mjs';
import { warmUp } from './scenarios/warmup.mjs';
import { summarizeProfile } from './lib/cpuprofile.mjs';
import { INSPECTOR_LINE } from './lib/inspector.mjs';
import { printTable, TARGETS } from './lib/report.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(repoRoot, 'bench/results');
const profileDir = join(resultsDir, 'profiles');
const logDir = join(resultsDir, 'logs');
const DOMAIN = 'bench.example';
/** The platform's port of each service whose key in `platform.ports` is not its name. */
const PORT_OF = { 'device-registry': 'registry', 'push-delivery': 'push' };
/** Known once the test kit is built (see main). */
let MEASURED_SERVICES;
/** The server side of pushmail: what a message costs it, load generator and socket clients left out. */
let SERVER_PROCESSES;

const options = parseOptions();
const progress = new Progress();
const log = (message) => progress.log(`[bench] ${message}`);
const startedAt = new Date();
const cpuAtStart = snapshotAllCpu();
const loadBefore = loadAverage();

let infra;
let tunedPostgres;
let platform;
let db;
let activePool = null;
let sink;

async function cleanup() {
  await activePool?.close().catch(() => undefined);
  await sink?.close().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await stopPlatform({ platform, infra, log });
  await tunedPostgres?.stop();
}

cleanUpOnInterrupt({ progress, log, runName: 'benchmark', cleanup });

try {
  await main();
} catch (error) {
  progress.finishLine();
  console.error(`[bench] failed: ${error?.stack ?? error}`);
  await cleanup();
  process.exit(1);
}

async function main() {
  mkdirSync(resultsDir, { recursive: true });
  rmSync(logDir, { recursive: true, force: true });
  if (options.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  log(
    `${options.quick ? 'quick' : 'full'} run, ${options.repeat} repeat(s), scenarios: ${options.scenarios.join(', ')}`,
  );
  if (options.build) await build();

  // The libraries run from their build output, so what imports them is loaded after the build.
  const { startPlatform, RegistryClient, DeviceClient } = await import('@pushmail/testing');
  const { runEasPush } = await import('./scenarios/eas-push.mjs');
  MEASURED_SERVICES = await measuredServices();
  SERVER_PROCESSES = [...MEASURED_SERVICES, 'kafka', 'postgres (bench db)', 'postgres (background)'];
  const { ensureInfrastructure, kafkaVersion, pickListenPorts, startTunedPostgres, RECORDED_SETTINGS } =
    await import('../tools/infra/index.mjs');
  // The database is one with the settings docs/performance.md recommends for production, whatever
  // the machine's own server runs with, unless one is named.
  if (options.databaseUrl) process.env.DATABASE_URL = options.databaseUrl;
  else if (!process.env.DATABASE_URL) {
    progress.start('PostgreSQL with production settings', null);
    tunedPostgres = await startTunedPostgres({ port: options.postgresPort || undefined, log });
    process.env.DATABASE_URL = tunedPostgres.url;
    progress.done(tunedPostgres.url);
  }

  // The services' consumer group and topic names are fixed: on a broker shared with another
  // running platform (someone's tests) both would consume each other's mail. A broker of its own,
  // on fresh storage, keeps the benchmark's traffic apart.
  const dedicatedKafka = !process.env.KAFKA_BROKERS && !options.sharedKafka;
  if (dedicatedKafka) {
    process.env.PUSHMAIL_KAFKA_PORT = String(options.kafkaPort);
    // The launcher starts development brokers with the JVM's quick compiler only (faster start); a
    // broker standing in for a production one runs with the optimising compiler, as production does.
    // Measured here: 25 -> 18 % of a core for the broker at 100 msg/s with 10,000 devices.
    process.env.PUSHMAIL_KAFKA_JAVA_OPTS ??= '-XX:TieredStopAtLevel=4';
  }
  progress.start('infrastructure (Kafka, Postgres)', null);
  infra = await ensureInfrastructure({ purpose: 'start', log, fresh: dedicatedKafka });
  progress.done(infra.kafkaBrokers);
  const infraBrokers = infra.kafkaBrokers;
  const kafkaPid = findKafkaPid(infraBrokers);

  const wants = (scenario) => options.scenarios.includes(scenario);
  const serviceEnv = {
    'device-registry': {
      MAX_DEVICES_PER_ACCOUNT: String(
        Math.max(10, options.devicesPerAccount, options.fanoutDevices, options.easDevicesPerAccount),
      ),
    },
    'push-delivery': { WS_PING_INTERVAL_MS: String(options.pingIntervalMs) },
    // Every bench session comes from this one address; the per-address cap is for the internet.
    ingest: { SMTP_MAX_CLIENTS_PER_ADDRESS: '100000' },
    activesync: {},
    outbound: {},
  };
  if (wants('outbound')) {
    // The remote domain's MX host is the bench's sink, routed the way outbound's tests route theirs.
    sink = await startSmtpSink({ port: options.sinkPort });
    serviceEnv.outbound.MX_OVERRIDES = `${REMOTE_DOMAIN}=127.0.0.1:${sink.port}`;
    // A few bench accounts send it all; the hourly cap per account is for abuse.
    serviceEnv.mailbox = { SUBMISSION_MAX_PER_HOUR: '1000000' };
  }
  const serviceNodeOptions = [
    options.profile ? `--cpu-prof --cpu-prof-dir=${profileDir}` : '',
    options.serviceNodeOptions,
  ]
    .filter(Boolean)
    .join(' ');
  const env = serviceNodeOptions
    ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${serviceNodeOptions}`.trim() }
    : {};
  // Read when the density run restarts push-delivery with an inspector, to force a GC before
  // reading memory.
  let inspectorUrl;
  let easInspectorUrl;
  const onLogLine = (service, line) => {
    const match = service === 'push-delivery' || service === 'activesync' ? INSPECTOR_LINE.exec(line) : null;
    if (match && service === 'push-delivery') inspectorUrl = match[1];
    if (match && service === 'activesync') easInspectorUrl = match[1];
  };
  progress.start(`platform (${MEASURED_SERVICES.length} services)`, null);
  platform = await startPlatform({
    // A loaded machine can take minutes to start six services at once.
    readyTimeoutMs: 600_000,
    onLogLine,
    kafkaBrokers: infra.kafkaBrokers,
    databaseUrl: infra.databaseUrl,
    freshDatabase: true,
    mode: 'development',
    mailDomains: [DOMAIN],
    logDirectory: logDir,
    serviceEnv,
    env,
  });
  progress.done(`smtp ${platform.smtp.port}, push ${platform.ports.push}`);
  db = await openDatabase(platform.databaseUrl);
  const postgresVersion = (await db.query('SHOW server_version')).rows[0].server_version;
  const postgresSettings = {
    server: tunedPostgres
      ? 'private, production settings (tools/infra/postgres-tuned.mjs)'
      : 'given (--database-url / DATABASE_URL)',
    ...(await readSettings(db, RECORDED_SETTINGS)),
  };
  const statements = await statementTracker(db);
  const trail = await trailTracker(db);

  const pgPids = await postgresPids(db);
  const targets = {
    ...Object.fromEntries(
      MEASURED_SERVICES.map((service) => [
        service,
        () => [platform.processes.get(service)?.pid].filter(Boolean),
      ]),
    ),
    kafka: () => (kafkaPid ? [kafkaPid] : []),
    outbound: () => [platform.processes.get('outbound')?.pid].filter(Boolean),
    'postgres (bench db)': () => pgPids.ours,
    'postgres (background)': () => pgPids.background,
    'bench (load generator)': () => [process.pid],
    'bench (socket clients)': () => activePool?.pids ?? [],
  };
  const refreshPgPids = async () => Object.assign(pgPids, await postgresPids(db));
  const sampler = () => new ProcessSampler(targets);
  /** GC and event-loop pauses of the services (their /metrics) and of the bench's own processes. */
  const pauses = () =>
    pauseRecorder({
      services: Object.fromEntries(
        MEASURED_SERVICES.map((service) => [
          service,
          `http://${platform.host}:${platform.ports[PORT_OF[service] ?? service]}`,
        ]),
      ),
      pool: () => activePool,
    });
  const logPauses = (run) => {
    if (run.pauses) log(pauseLine(run.pauses));
    const late = run.stages?.lateToDevice;
    if (late)
      log(
        `deliveries > ${late.thresholdMs} ms after publish: ${late.late} of ${late.deliveries} (one worker late: ${late.workerLocal}, all late: ${late.allLate}, in a worker stall: ${late.inWorkerStall})`,
      );
  };
  const ourPids = () =>
    new Set([
      process.pid,
      ...descendantsOf(process.pid),
      ...(kafkaPid ? [kafkaPid] : []),
      ...pgPids.ours,
      ...pgPids.background,
    ]);

  const registry = new RegistryClient(platform.registryUrl, platform.adminToken);
  const details = {};
  // Seconds spent before each measured run for the platform to store what earlier runs sent.
  const backlogWaits = [];
  /**
   * Before each measured run: the backlog of earlier runs is worked off, and the bench database's
   * planner statistics are refreshed, as autovacuum would do on a production server (it may be
   * off on a development one; see machine.postgresSettings).
   */
  const beforeMeasuredRun = async () => {
    backlogWaits.push(await waitForQuiet(infra.kafkaBrokers, { progress }));
    if (options.analyze) await db.query('ANALYZE');
  };
  const scenarioOther = {};
  // Every message of the run gets its own sequence number (in its subject and Message-ID).
  let seq = 1_000_000;
  const take = (count) => {
    const start = seq;
    seq += count + 1;
    return start;
  };

  // ---- accounts and devices --------------------------------------------------------------
  const latencyAccounts = Math.ceil(options.devices / options.devicesPerAccount);
  /** The accounts of one part of the run, or none when that part is not run. */
  const setUp = (wanted, prefix, accounts, devicesPerAccount, label) =>
    wanted
      ? createAccounts({ registry, domain: DOMAIN, prefix, accounts, devicesPerAccount, progress, label })
      : Promise.resolve([]);
  const accounts = wants('latency')
    ? await setUp(true, 'lat', latencyAccounts, options.devicesPerAccount, 'setup: latency devices')
    : await setUp(wants('ingest'), 'ing', 100, 0, 'setup: ingest accounts');
  const [fanoutAccount] = await setUp(
    wants('density'),
    'fan',
    1,
    options.fanoutDevices,
    'setup: fan-out devices',
  );
  const [catchupAccount] = await setUp(wants('catchup'), 'cat', 1, 1, 'setup: catch-up device');
  const scalingAccounts = await setUp(
    wants('scaling'),
    'big',
    options.scalingAccounts,
    options.scalingDevicesPerAccount,
    'setup: store-scaling devices',
  );
  const outboundAccounts = await setUp(
    wants('outbound'),
    'out',
    options.outboundAccounts,
    1,
    'setup: sending devices',
  );
  const easAccounts = await setUp(
    wants('eas'),
    'eas',
    Math.ceil(options.easDevices / options.easDevicesPerAccount),
    options.easDevicesPerAccount,
    'setup: EAS phones',
  );
  const lastCreated = [
    accounts.at(-1),
    fanoutAccount,
    catchupAccount,
    easAccounts.at(-1),
    scalingAccounts.at(-1),
    outboundAccounts.at(-1),
  ].filter(Boolean);
  progress.start('setup: ingest learns accounts', null);
  for (const account of lastCreated) await waitRecipientKnown(platform.smtp, account.address);
  progress.done();
  // EAS accounts too: an account's first mail is slower (its mailboxes, the services' code paths), not what a parked Ping waits.
  const warmAddresses = [...accounts, fanoutAccount, ...easAccounts, ...scalingAccounts]
    .filter(Boolean)
    .map((account) => account.address);
  if (warmAddresses.length > 0)
    await warmUp({
      platform,
      db,
      addresses: warmAddresses,
      progress,
      seqStart: take(warmAddresses.length + 1),
    });
  await refreshPgPids();
  // Services open database connections as they need them; the sampler should see them all.
  const pgRefresher = setInterval(() => void refreshPgPids().catch(() => undefined), 2000);
  pgRefresher.unref();

  /**
   * With --profile, every service is restarted around a measured scenario: a profile is written
   * when its process ends, so each then covers one scenario. Returns the new pids.
   */
  const restartForProfile = async () => {
    progress.start('profile: restart services', null);
    await Promise.all(MEASURED_SERVICES.map((service) => platform.restart(service)));
    await refreshPgPids();
    if (accounts.length > 0) await waitRecipientKnown(platform.smtp, accounts.at(-1).address);
    progress.done();
    return Object.fromEntries(
      MEASURED_SERVICES.map((service) => [service, platform.processes.get(service).pid]),
    );
  };

  /** A worker pool with every device of `accounts` connected, push enabled; the first `fetchers` of each fetch. */
  const connectDevices = async (connecting, label) => {
    const pool = await DevicePool.start(options.workers);
    activePool = pool;
    const devices = [];
    for (const account of connecting) {
      account.fetchers = Math.min(options.fetchersPerAccount, account.devices.length);
      account.devices.forEach((device, index) =>
        devices.push({ token: device.token, accountId: account.accountId, fetch: index < account.fetchers }),
      );
    }
    progress.start(`${label}: connect ${devices.length} devices`, devices.length);
    const connected = await pool.connect(platform.websocketUrl, devices, {
      localAddresses: loopbackAddresses(options.sourceAddresses),
      concurrency: 50,
      onProgress: (count, failed) => progress.update(count, failed ? `${failed} failed` : ''),
    });
    progress.done(
      `${connected.connected} connected${connected.failed ? `, ${connected.failed} failed: ${connected.errors[0]}` : ''}`,
    );
    if (connected.failed > 0)
      throw new Error(`${connected.failed} devices could not connect: ${connected.errors.join('; ')}`);
    return { pool, devices };
  };

  // ---- push latency ------------------------------------------------------------------------
  if (wants('latency')) {
    const before = snapshotAllCpu();
    const profilePids = options.profile ? await restartForProfile() : {};
    const { pool, devices } = await connectDevices(accounts, 'latency');
    const tracer = await startStageTracer(infra.kafkaBrokers);
    /** One measured run at `rate` messages per second, after the backlog of earlier runs. */
    const measureLatency = async (rate, label) => {
      await beforeMeasuredRun();
      return runPushLatency({
        tracer,
        platform,
        pool,
        accounts,
        rate,
        duration: options.duration,
        senders: options.senders,
        sizeBytes: options.size,
        progress,
        label,
        seqStart: take(Math.ceil(rate * options.duration) + 1),
        sampler: sampler(),
        pauses: pauses(),
      }).then((result) => {
        logPauses(result);
        return result;
      });
    };
    const runs = [];
    await statements?.start();
    await trail?.start();
    for (let run = 1; run <= options.repeat; run += 1) {
      runs.push(
        await measureLatency(options.rate, `latency ${run}/${options.repeat}: ${options.rate} msg/s`),
      );
    }
    const latencyStatements = await statements?.read();
    // After the statements, which stay those of the runs: it waits for the runs' last trail records.
    const latencyTrail = await trail?.read();
    const sweep = [];
    for (const rate of options.sweep) {
      const result = await measureLatency(rate, `latency sweep: ${rate} msg/s`);
      sweep.push({
        rate,
        push_latency_ms: result.push_latency_ms,
        fetch_latency_ms: result.fetch_latency_ms,
        stages: result.stages,
        achievedRatePerS: result.achievedRatePerS,
        skipped: result.counters.skipped,
      });
    }
    await tracer.stop();
    if (pool.errors.length) log(`device errors: ${pool.errors.slice(0, 3).join(' | ')}`);
    await pool.close();
    activePool = null;
    details.pushLatency = {
      devices: devices.length,
      accounts: accounts.length,
      devicesPerAccount: options.devicesPerAccount,
      fetchersPerAccount: options.fetchersPerAccount,
      rate: options.rate,
      durationS: options.duration,
      senders: options.senders,
      messageBytes: options.size,
      push_latency_ms: medianOfSummaries(runs.map((run) => run.push_latency_ms)),
      fetch_latency_ms: medianOfSummaries(runs.map((run) => run.fetch_latency_ms)),
      stages: {
        smtp250ToChangePublishedMs: medianOfSummaries(
          runs.map((run) => run.stages?.smtp250ToChangePublishedMs),
        ),
        changePublishedToDeviceMs: medianOfSummaries(
          runs.map((run) => run.stages?.changePublishedToDeviceMs),
        ),
      },
      cpu_ms_per_message: medianCpuMsPerMessage(runs),
      statements: latencyStatements ?? null,
      trail: latencyTrail ?? null,
      runs,
      deviceErrors: pool.errors.slice(0, 5),
      sweep,
      profilePids,
      profileWindow: spanOf(runs.map((run) => run.window)),
    };
    scenarioOther.latency = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- store scaling -----------------------------------------------------------------------------
  if (wants('scaling')) {
    const before = snapshotAllCpu();
    const tracer = await startStageTracer(infra.kafkaBrokers);
    try {
      details.storeScaling = await runStoreScaling({
        db,
        platform,
        tracer,
        connectDevices: async () => (await connectDevices(scalingAccounts, 'scaling')).pool,
        accounts: scalingAccounts,
        sizes: options.scalingSizes,
        rate: options.scalingRate,
        duration: options.scalingDuration,
        senders: options.senders,
        sizeBytes: options.size,
        repeat: options.repeat,
        ingest: {
          messages: options.scalingIngestMessages,
          sessions: options.ingestSessions,
          window: options.ingestWindow,
        },
        statements,
        serverProcesses: SERVER_PROCESSES,
        sampler,
        beforeMeasuredRun,
        take,
        progress,
      });
    } finally {
      await tracer.stop();
      activePool = null;
    }
    scenarioOther.scaling = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- ingest throughput ---------------------------------------------------------------------
  if (wants('ingest')) {
    const before = snapshotAllCpu();
    const profilePids = options.profile ? await restartForProfile() : {};
    const addresses = accounts.map((account) => account.address);
    const small = [];
    const large = [];
    /** One measured run of `messages` messages of `sizeBytes` each. */
    const measuredIngest = async (run, messages, sizeBytes) => {
      await beforeMeasuredRun();
      return runIngest({
        platform,
        db,
        addresses,
        messages,
        sizeBytes,
        sessions: options.ingestSessions,
        window: options.ingestWindow,
        progress,
        label: `ingest ${run}/${options.repeat}: ${kib(sizeBytes)}`,
        sampler: sampler(),
        seqStart: take(messages + 1),
      });
    };
    await statements?.start();
    for (let run = 1; run <= options.repeat; run += 1) {
      small.push(await measuredIngest(run, options.ingestMessages, options.size));
      if (options.ingestLargeMessages > 0) {
        large.push(await measuredIngest(run, options.ingestLargeMessages, options.largeSize));
      }
    }
    if (options.profile) await restartForProfile();
    details.ingest = {
      small: { ...ingestMedians(small), runs: small },
      statements: (await statements?.read()) ?? null,
      large: options.ingestLargeMessages > 0 ? { ...ingestMedians(large), runs: large } : null,
      profilePids,
      profileWindow: spanOf([...small, ...large].map((run) => run.window)),
    };
    scenarioOther.ingest = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- classic-stack baseline ------------------------------------------------------------------
  if (wants('baseline')) {
    const before = snapshotAllCpu();
    const latency = details.pushLatency;
    details.baseline = await runClassicBaseline({
      accounts,
      ports: options.classicPort
        ? [options.classicPort, options.classicPort + 1, options.classicPort + 2]
        : await pickListenPorts(3),
      domain: DOMAIN,
      rate: options.rate,
      duration: options.duration,
      senders: options.senders,
      sizeBytes: options.size,
      repeat: options.repeat,
      localAddresses: loopbackAddresses(options.sourceAddresses),
      progress,
      log,
      take,
      ingest: {
        addresses: accounts.map((account) => account.address),
        messages: options.ingestMessages,
        sessions: options.ingestSessions,
        window: options.ingestWindow,
      },
      pushmail: {
        push_latency_ms: latency.push_latency_ms,
        fetch_latency_ms: latency.fetch_latency_ms,
        cpu_ms_per_message: latency.cpu_ms_per_message,
        ingest_msgs_per_s: details.ingest?.small.storedMsgsPerS ?? null,
      },
    });
    scenarioOther.baseline = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- catch-up --------------------------------------------------------------------------------
  if (wants('catchup')) {
    const before = snapshotAllCpu();
    await beforeMeasuredRun();
    const prepared = await prepareCatchup({
      platform,
      db,
      DeviceClient,
      account: catchupAccount,
      changes: options.catchupChanges,
      sessions: options.ingestSessions,
      window: options.ingestWindow,
      sizeBytes: options.size,
      progress,
      seqStart: take(options.catchupChanges + 2),
    });
    // Reconnects are cheap, so at least three, even for one repeat.
    const reconnects = Math.max(3, options.repeat);
    const runs = [];
    progress.start(`catch-up: reconnect (${options.catchupChanges} changes)`, reconnects);
    for (let run = 1; run <= reconnects; run += 1) {
      runs.push(await measureCatchup({ platform, DeviceClient, prepared, page: options.catchupPage }));
      progress.update(run, `${runs.at(-1).catchupMs} ms`);
    }
    progress.done();
    details.catchup = {
      ...summarizeCatchup(runs),
      page: options.catchupPage,
      delivery: {
        delivered: prepared.delivered,
        oneAccountStoredMsgsPerS: prepared.oneAccountStoredMsgsPerS,
        storeTransactions: prepared.storeTransactions,
        messagesPerTransaction: prepared.messagesPerTransaction,
      },
      runs,
    };
    scenarioOther.catchup = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- connection density ------------------------------------------------------------------------
  if (wants('density')) {
    const before = snapshotAllCpu();
    // The harness reads serviceEnv at each (re)start: the restarted push-delivery gets an inspector
    // on a free loopback port, used only to force a garbage collection before memory is read.
    serviceEnv['push-delivery'].NODE_OPTIONS =
      `${env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim();
    const runs = [];
    for (let run = 1; run <= options.repeat; run += 1) {
      inspectorUrl = undefined;
      await beforeMeasuredRun();
      runs.push(
        await runDensity({
          inspectorUrl: () => inspectorUrl,
          platform,
          account: fanoutAccount,
          connections: options.connections,
          workers: options.workers,
          sourceAddresses: options.sourceAddresses,
          idleSeconds: options.idleSeconds,
          settleSeconds: options.settleSeconds,
          fanoutRounds: options.fanoutRounds,
          progress,
          label: `density ${run}/${options.repeat}`,
          seqStart: take(options.fanoutRounds + 1),
          onPool: (pool) => (activePool = pool),
        }),
      );
    }
    details.density = {
      connections: runs[0].connections,
      idle_conn_bytes: median(runs.map((run) => run.idle_conn_bytes)),
      marginalBytesPerSocket: median(runs.map((run) => run.marginalBytesPerSocket)),
      connectsPerS: median(runs.map((run) => run.steps.at(-1).connectsPerS)),
      idleCpuPercentOfOneCore: median(runs.map((run) => run.idle.cpuPercentOfOneCore)),
      idleCpuWithoutSocketsPercent: median(runs.map((run) => run.idle.withoutSocketsCpuPercentOfOneCore)),
      fanoutAllMs: median(runs.map((run) => run.fanout.allMs)),
      fanoutMedianMs: median(runs.map((run) => run.fanout.medianMs)),
      pingIntervalMs: options.pingIntervalMs,
      runs,
    };
    scenarioOther.density = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- ActiveSync Direct Push -------------------------------------------------------------------------
  if (wants('eas')) {
    const before = snapshotAllCpu();
    // A clean gateway with an inspector on a free loopback port, used only to force a garbage
    // collection before its memory is read.
    serviceEnv.activesync.NODE_OPTIONS =
      `${env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim();
    const runs = [];
    for (let run = 1; run <= options.repeat; run += 1) {
      easInspectorUrl = undefined;
      progress.start(`eas ${run}/${options.repeat}: restart activesync`, null);
      await platform.restart('activesync');
      progress.done();
      await beforeMeasuredRun();
      runs.push(
        await runEasPush({
          platform,
          accounts: easAccounts,
          rate: options.easRate,
          duration: options.easDuration,
          senders: options.senders,
          sizeBytes: options.size,
          heartbeatSeconds: options.easHeartbeat,
          seqStart: take(Math.ceil(options.easRate * options.easDuration) + 1),
          progress,
          inspectorUrl: () => easInspectorUrl,
          sampler: sampler(),
          statements,
          pauses: pauses(),
        }),
      );
      logPauses(runs.at(-1));
      runs.at(-1).cpu_ms_per_message = cpuMsPerMessage(runs.at(-1), SERVER_PROCESSES);
    }
    details.eas = {
      phones: runs[0].phones,
      accounts: runs[0].accounts,
      devicesPerAccount: options.easDevicesPerAccount,
      rate: options.easRate,
      durationS: options.easDuration,
      heartbeatSeconds: options.easHeartbeat,
      eas_push_latency_ms: medianOfSummaries(runs.map((run) => run.eas_push_latency_ms)),
      parkedPingRssBytes: median(runs.map((run) => run.memory.rssBytesPerPing)),
      parkedPingHeapBytes: median(runs.map((run) => run.memory.heapBytesPerPing)),
      cpu_ms_per_message: medianCpu(runs.map((run) => run.cpu_ms_per_message)),
      mailboxRequestsPerMessage: median(runs.map((run) => run.mailboxPerMessage.requests)),
      mailboxMethodCallsPerMessage: median(runs.map((run) => run.mailboxPerMessage.methodCalls)),
      // With --profile: the services as they ran the last run (activesync restarts before each).
      profilePids: options.profile
        ? Object.fromEntries(
            MEASURED_SERVICES.map((service) => [service, platform.processes.get(service).pid]),
          )
        : {},
      profileWindow: runs.at(-1).window,
      runs,
    };
    scenarioOther.eas = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- sending (outbound) ------------------------------------------------------------------------------
  if (wants('outbound')) {
    const before = snapshotAllCpu();
    const runs = [];
    for (let run = 1; run <= options.repeat; run += 1) {
      await beforeMeasuredRun();
      const result = await runOutbound({
        DeviceClient,
        platform,
        sink,
        accounts: outboundAccounts,
        rate: options.outboundRate,
        duration: options.outboundDuration,
        sizeBytes: options.size,
        progress,
        label: `outbound ${run}/${options.repeat}: ${options.outboundRate} msg/s`,
        seqStart: take(Math.ceil(options.outboundRate * options.outboundDuration) + outboundAccounts.length),
        sampler: sampler(),
      });
      // Per message delivered to the sink: the sending side is mailbox (submission) and outbound.
      result.cpu_ms_per_message = cpuMsPerMessage(
        { counters: { accepted: result.counters.delivered }, usage: result.usage },
        [...SERVER_PROCESSES, 'outbound'],
      );
      runs.push(result);
    }
    details.outbound = {
      submit_to_remote_ms: medianOfSummaries(runs.map((run) => run.submit_to_remote_ms)),
      outboundMsgsPerS: median(runs.map((run) => run.outboundMsgsPerS)),
      cpu_ms_per_message: medianCpu(runs.map((run) => run.cpu_ms_per_message)),
      lost: runs.reduce((total, run) => total + run.counters.lost, 0),
      duplicates: runs.reduce((total, run) => total + run.counters.duplicates, 0),
      rate: options.outboundRate,
      durationS: options.outboundDuration,
      accounts: outboundAccounts.length,
      messageBytes: options.size,
      runs,
    };
    scenarioOther.outbound = otherCpuBetween(before, snapshotAllCpu(), ourPids());
  }

  // ---- wrap up -------------------------------------------------------------------------------------
  const overallOther = otherCpuBetween(cpuAtStart, snapshotAllCpu(), ourPids());
  clearInterval(pgRefresher);
  progress.start('stopping the platform', null);
  await db.end();
  db = undefined;
  await platform.stop();
  platform = undefined;
  await infra.stop();
  infra = undefined;
  await tunedPostgres?.stop();
  tunedPostgres = undefined;
  await sink?.close();
  sink = undefined;
  progress.done();

  const profiles = options.profile ? collectProfiles(details) : undefined;

  const results = assemble({
    details,
    machine: {
      ...machineInfo(),
      kafkaVersion: kafkaVersionOf(kafkaPid) ?? kafkaVersion(),
      postgresVersion,
      postgresSettings,
    },
    environment: {
      backlogWaitSeconds: backlogWaits,
      sharedMachine: true,
      kafkaBrokers: infraBrokers,
      kafkaDedicatedToBenchmark: dedicatedKafka,
      kafkaJavaOptions: process.env.PUSHMAIL_KAFKA_JAVA_OPTS ?? null,
      note: 'Run on a machine shared with other engineers running builds and tests; CPU used by processes outside the benchmark is listed per scenario (by process name).',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAverage(),
      otherProcessesCpuSeconds: overallOther,
      otherProcessesCpuSecondsByScenario: scenarioOther,
      logDirectory: relative(repoRoot, logDir),
    },
    profiles,
  });
  const out = options.out ? resolve(options.out) : join(resultsDir, 'latest.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  mkdirSync(join(resultsDir, 'runs'), { recursive: true });
  copyFileSync(
    out,
    join(
      resultsDir,
      'runs',
      `${startedAt.toISOString().replace(/[:.]/g, '-')}-${options.quick ? 'quick' : 'full'}.json`,
    ),
  );
  printTable(results);
  if (profiles) printProfiles(profiles);
  console.log(`\nresults: ${relative(process.cwd(), out)}`);
}

function assemble({ details, machine, environment, profiles }) {
  const finishedAt = new Date();
  const catchup = details.catchup;
  return {
    schemaVersion: 1,
    runTag: RUN_TAG,
    mode: options.quick ? 'quick' : 'full',
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: Math.round((finishedAt - startedAt) / 1000),
    repeat: options.repeat,
    aggregation: 'each number is the median over the repeated runs',
    push_latency_ms: pick(details.pushLatency?.push_latency_ms),
    fetch_latency_ms: pick(details.pushLatency?.fetch_latency_ms),
    ingest_msgs_per_s: details.ingest?.small.storedMsgsPerS ?? null,
    ingest_accepted_msgs_per_s: details.ingest?.small.acceptedMsgsPerS ?? null,
    ingest_large_msgs_per_s: details.ingest?.large?.storedMsgsPerS ?? null,
    idle_conn_bytes: details.density?.idle_conn_bytes ?? null,
    connections: details.density?.connections ?? null,
    fanout_all_ms: details.density?.fanoutAllMs ?? null,
    catchup_10k_ms: catchup && catchup.changes === 10_000 ? catchup.catchupMs : null,
    catchup_ms: catchup?.catchupMs ?? null,
    catchup_changes: catchup?.changes ?? null,
    cpu_ms_per_message: details.pushLatency?.cpu_ms_per_message ?? null,
    machine_busy_percent: {
      push_latency: medianBusyPercent(details.pushLatency?.runs),
      eas: medianBusyPercent(details.eas?.runs),
      condition: `the latency targets are stated for a machine under ${TARGETS.machine_busy_percent.max} % busy (all cores, every process)`,
    },
    store_scaling: details.storeScaling
      ? {
          accounts: details.storeScaling.accounts,
          sizes: details.storeScaling.sizes,
          ratiosToFirst: details.storeScaling.ratiosToFirst,
        }
      : null,
    baseline: details.baseline
      ? {
          stack: details.baseline.stack,
          push_latency_ms: pick(details.baseline.classic.push_latency_ms),
          cpu_ms_per_message: details.baseline.classic.cpu_ms_per_message.total,
          ingest_msgs_per_s: details.baseline.classic.ingest?.storedMsgsPerS ?? null,
          ratios: details.baseline.ratios,
        }
      : null,
    submit_to_remote_ms: pick(details.outbound?.submit_to_remote_ms),
    outbound_msgs_per_s: details.outbound?.outboundMsgsPerS ?? null,
    outbound_cpu_ms_per_message: details.outbound?.cpu_ms_per_message.outbound ?? null,
    eas_push_latency_ms: pick(details.eas?.eas_push_latency_ms),
    eas_parked_ping_bytes: details.eas?.parkedPingRssBytes ?? null,
    eas_parked_ping_bytes_measure: details.eas
      ? 'RSS of the gateway process after a forced full GC, before and after parking N Pings, divided by N (JS heap per Ping: details.eas.parkedPingHeapBytes)'
      : null,
    targets: TARGETS,
    parameters: { ...options, scenarios: options.scenarios },
    machine,
    environment,
    details,
    ...(profiles ? { profiles } : {}),
  };
}

/** The smallest window holding all of `windows` ({ fromMs, toMs }). */
function spanOf(windows) {
  return {
    fromMs: Math.min(...windows.map((window) => window.fromMs)),
    toMs: Math.max(...windows.map((window) => window.toMs)),
  };
}

/** The median over the runs of how busy the machine's cores were while each was measured. */
function medianBusyPercent(runs) {
  const values = (runs ?? []).map((run) => run.usage?.machine?.busyPercent).filter((value) => value != null);
  return values.length === 0 ? null : median(values);
}

function medianCpuMsPerMessage(runs) {
  return medianCpu(runs.map((run) => cpuMsPerMessage(run, SERVER_PROCESSES)));
}

function pick(summary) {
  if (!summary) return null;
  return { p50: summary.p50, p95: summary.p95, p99: summary.p99, max: summary.max };
}

function ingestMedians(runs) {
  return {
    messages: runs[0]?.messages,
    sizeBytes: runs[0]?.sizeBytes,
    storedMsgsPerS: median(runs.map((run) => run.storedMsgsPerS)),
    acceptedMsgsPerS: median(runs.map((run) => run.acceptedMsgsPerS)),
    steadyStoredMsgsPerS: median(runs.map((run) => run.steadyStoredMsgsPerS)),
    storedMiBPerS: median(runs.map((run) => run.storedMiBPerS)),
    smtpAcceptP50Ms: median(runs.map((run) => run.smtp_accept_ms.p50)),
    smtpAcceptP99Ms: median(runs.map((run) => run.smtp_accept_ms.p99)),
  };
}

/**
 * Renames the profiles of the runs they cover after their service and summarises them: the four
 * services during the ingest run, and push-delivery while idle with sockets and during fan-out.
 */
function collectProfiles(details) {
  const summary = {};
  if (!existsSync(profileDir)) return summary;
  const files = readdirSync(profileDir).filter((file) => file.endsWith('.cpuprofile'));
  const claim = (pid, name) => {
    const file = files.find((entry) => entry.split('.')[3] === String(pid));
    if (!file) return null;
    const named = join(profileDir, name);
    renameSync(join(profileDir, file), named);
    return named;
  };
  const summarized = (file, window) => ({
    file: relative(repoRoot, file),
    ...summarizeProfile(file, { window }),
  });
  // The runs that profile each of their services, by the run's key in `details` and its name in the summary.
  for (const [key, run] of [
    ['pushLatency', 'latency'],
    ['ingest', 'ingest'],
    ['eas', 'eas'],
  ]) {
    const profiled = details[key];
    for (const [service, pid] of Object.entries(profiled?.profilePids ?? {})) {
      const file = claim(pid, `${service}.${run}.cpuprofile`);
      if (file) summary[`${service} (${run})`] = summarized(file, profiled.profileWindow);
    }
  }
  const density = details.density?.runs.at(-1);
  if (density) {
    const file = claim(density.pushDeliveryPid, 'push-delivery.density.cpuprofile');
    if (file) {
      summary['push-delivery (idle sockets)'] = summarized(file, density.windows.idle);
      summary['push-delivery (fan-out)'] = summarized(file, density.windows.fanout);
    }
  }
  return summary;
}

function printProfiles(profiles) {
  for (const [service, profile] of Object.entries(profiles)) {
    console.log(`\n${service}: ${profile.busyMs} ms of CPU in the window (top self time)`);
    for (const entry of profile.topFunctions.slice(0, 10))
      console.log(`  ${String(entry.percent).padStart(5)}%  ${entry.name}`);
    console.log(
      `  by package: ${profile.topPackages
        .slice(0, 6)
        .map((entry) => `${entry.name} ${entry.percent}%`)
        .join(', ')}`,
    );
  }
}

function kib(bytes) {
  return `${Math.round(bytes / 1024)} KB`;
}

function build() {
  progress.start('build (nx run-many -t build)', null);
  return new Promise((resolveBuild, reject) => {
    const child = spawn('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) {
        progress.done('ok');
        resolveBuild();
      } else {
        progress.finishLine();
        reject(new Error(`the build failed (${code}):\n${output.slice(-4000)}`));
      }
    });
  });
}

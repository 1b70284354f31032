// A single-node KRaft Kafka broker run straight from Maven Central jars, for machines without a
// Docker engine: only a JDK (17+) and Maven are needed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { cacheDir, canConnect, defaultLog, fileSize, run, sleep, tailFile, withLock } from './common.mjs';
import { ensureHostTools } from './host-tools.mjs';
import { ephemeralPortRange } from './ports.mjs';
import { kafkaIsReady, probeKafka } from './kafka-probe.mjs';

export const DEFAULT_KAFKA_VERSION = '4.4.0';
const HOST = '127.0.0.1';
const NODE_ID = 1;
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export function kafkaVersion() {
  return process.env.PUSHMAIL_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

function javaCommand() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

let javaChecked;

/** Kafka 4 brokers are built for Java 17; an older JVM fails with an opaque class-version error. */
export function checkJava() {
  javaChecked ??= run(javaCommand(), ['-version'], {
    timeoutMs: 30_000,
    missingHint: 'install a JDK 17 or newer, or set JAVA_HOME',
  }).then((output) => {
    const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
    const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
    if (!(major >= 17)) {
      throw new Error(
        `Kafka ${kafkaVersion()} needs Java 17 or newer; ${javaCommand()} reports:\n${output.trim()}`,
      );
    }
    return major;
  });
  return javaChecked;
}

// ---------------------------------------------------------------------------------------------
// Resolving the jars

function pom(dependencies) {
  const deps = dependencies
    .map(
      ({ groupId, artifactId, version, excludeAll }) => `
    <dependency>
      <groupId>${groupId}</groupId>
      <artifactId>${artifactId}</artifactId>
      <version>${version}</version>${
        excludeAll
          ? `
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>`
          : ''
      }
    </dependency>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.pushmail</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>${deps}
  </dependencies>
</project>
`;
}

async function copyDependencies(workDir, name, dependencies, outputDir) {
  ensureHostTools(['mvn']);
  const pomFile = path.join(workDir, `${name}.xml`);
  writeFileSync(pomFile, pom(dependencies));
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      pomFile,
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${outputDir}`,
    ],
    {
      cwd: workDir,
      missingHint: 'Maven fetches Kafka from Maven Central; install it (apt-get install maven)',
    },
  );
}

function jarVersion(jars, artifactId) {
  const pattern = new RegExp(`^${artifactId.replace(/[.]/g, '\\.')}-(\\d[^-]*(?:-[^-]+)*)\\.jar$`);
  for (const jar of jars) {
    const match = pattern.exec(jar);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * Zip entry names are stored uncompressed in the archive's directory, so a byte search is enough
 * to tell whether a class is in a jar.
 */
function jarHasEntry(jarFile, entry) {
  return readFileSync(jarFile).includes(Buffer.from(entry, 'utf8'));
}

function completeMarker(libsDir) {
  return path.join(libsDir, '.complete');
}

function libsComplete(libsDir) {
  try {
    const { jars } = JSON.parse(readFileSync(completeMarker(libsDir), 'utf8'));
    return jars.length > 0 && jars.every((jar) => existsSync(path.join(libsDir, jar)));
  } catch {
    return false;
  }
}

async function resolveInto(stagingDir, workDir, version, log) {
  log(`resolving Kafka ${version} from Maven Central (one-time)`);
  await copyDependencies(
    workDir,
    'kafka',
    [{ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version }],
    stagingDir,
  );
  let jars = readdirSync(stagingDir).filter((f) => f.endsWith('.jar'));

  // The broker logs through SLF4J, but Kafka's pom leaves the binding to the distribution; without
  // one it logs nothing. The binding must match Kafka's own log4j and SLF4J generations.
  const log4jVersion = jarVersion(jars, 'log4j-core') ?? jarVersion(jars, 'log4j-api');
  const slf4jVersion = jarVersion(jars, 'slf4j-api');
  if (!log4jVersion || !slf4jVersion) {
    throw new Error(
      `Kafka ${version} does not depend on log4j2 and SLF4J as expected; found: ${jars.join(', ')}`,
    );
  }
  const binding = slf4jVersion.startsWith('1.') ? 'log4j-slf4j-impl' : 'log4j-slf4j2-impl';
  if (!jarVersion(jars, binding)) {
    await copyDependencies(
      workDir,
      'logging',
      [{ groupId: 'org.apache.logging.log4j', artifactId: binding, version: log4jVersion, excludeAll: true }],
      stagingDir,
    );
    jars = readdirSync(stagingDir).filter((f) => f.endsWith('.jar'));
  }

  const kafkaJar = path.join(stagingDir, `kafka_2.13-${version}.jar`);
  if (!existsSync(kafkaJar)) throw new Error(`kafka_2.13-${version}.jar missing after resolution`);
  for (const entry of ['kafka/Kafka.class', 'kafka/tools/StorageTool.class']) {
    if (!jarHasEntry(kafkaJar, entry)) throw new Error(`${entry} not found in kafka_2.13-${version}.jar`);
  }
  writeFileSync(completeMarker(stagingDir), JSON.stringify({ version, jars: jars.sort() }, null, 2));
}

/**
 * Returns the directory holding Kafka's runtime classpath, resolving it with Maven the first time.
 * Concurrent callers wait for one resolution; the directory only ever appears complete, because it
 * is assembled under another name and renamed into place.
 */
export async function ensureKafkaLibs({ version = kafkaVersion(), log = defaultLog } = {}) {
  const home = path.join(cacheDir(), `kafka-${version}`);
  const libsDir = path.join(home, 'libs');
  if (libsComplete(libsDir)) return libsDir;
  await withLock(
    path.join(home, 'resolve.lock'),
    async () => {
      if (libsComplete(libsDir)) return;
      const workDir = path.join(home, 'maven');
      const stagingDir = path.join(home, `libs.staging-${process.pid}`);
      mkdirSync(workDir, { recursive: true });
      // Only the lock holder stages, so any staging directory found now was left by a killed run.
      for (const entry of readdirSync(home)) {
        if (entry.startsWith('libs.staging-'))
          rmSync(path.join(home, entry), { recursive: true, force: true });
      }
      mkdirSync(stagingDir, { recursive: true });
      try {
        const started = Date.now();
        await resolveInto(stagingDir, workDir, version, log);
        rmSync(libsDir, { recursive: true, force: true });
        renameSync(stagingDir, libsDir);
        log(`Kafka ${version} resolved in ${((Date.now() - started) / 1000).toFixed(1)} s into ${libsDir}`);
      } finally {
        rmSync(stagingDir, { recursive: true, force: true });
      }
    },
    { log, what: `resolution of Kafka ${version}`, timeoutMs: 20 * 60_000 },
  );
  return libsDir;
}

// ---------------------------------------------------------------------------------------------
// Configuration and storage

/**
 * One node's configuration. A single broker bootstraps a dynamic quorum of itself; a cluster's nodes
 * are each broker and controller, with the voters fixed in the configuration.
 */
function serverProperties({
  port,
  controllerPort,
  proxied,
  logDir,
  nodeId = NODE_ID,
  voters,
  replication = 1,
  minInsync = 1,
}) {
  const quorum = voters
    ? `controller.quorum.voters=${voters}`
    : `controller.quorum.bootstrap.servers=${HOST}:${controllerPort}`;
  return `# Written on every start; edits are lost.
process.roles=broker,controller
node.id=${nodeId}
${quorum}
listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}${proxied ? `,PROXIED://${HOST}:${proxied.port}` : ''}
advertised.listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}${proxied ? `,PROXIED://${HOST}:${proxied.advertisedPort}` : ''}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${proxied ? ',PROXIED:PLAINTEXT' : ''}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${logDir}

# Every topic, the internal ones included, has this many replicas and needs this many in sync.
default.replication.factor=${replication}
min.insync.replicas=${minInsync}
offsets.topic.replication.factor=${replication}
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${minInsync}
share.coordinator.state.topic.replication.factor=${replication}
share.coordinator.state.topic.min.isr=${minInsync}
# Fewer internal partitions make the first consumer group and transaction on a fresh broker quick.
offsets.topic.num.partitions=5
transaction.state.log.num.partitions=5

# Topics are created by the application, never by a stray produce or fetch.
auto.create.topics.enable=false
num.partitions=3
# Consumers in tests and local runs join at once instead of after the default 3 s.
group.initial.rebalance.delay.ms=0

# Mail with attachments travels as single records.
message.max.bytes=33554432
replica.fetch.max.bytes=33554432
`;
}

function log4jProperties(logFile) {
  // Log4j's own shutdown hook would close the log before Kafka's shutdown hook has finished, and a
  // late log call then reopens (and with append off, truncates) the file; Kafka shuts log4j down itself.
  return `status = warn
name = pushmail-kafka
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${logFile}
appender.file.filePattern = ${logFile}.%i
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
# The request logger is very chatty at INFO and says nothing useful for local work.
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;
}

function toolLog4jProperties() {
  return `status = warn
name = pushmail-kafka-tools
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = err
`;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding, not starting with '-'. */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function jvmArgs(libsDir, log4jFile, dataDir) {
  // Later options win, so these can raise the heap or re-enable the optimising compiler.
  const extra = (process.env.PUSHMAIL_KAFKA_JAVA_OPTS || '').split(/\s+/).filter(Boolean);
  // The JVM refuses two collectors, so one chosen in the extra options replaces the default.
  const gc = extra.some((o) => /^-XX:\+Use\w+GC$/.test(o)) ? [] : ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'];
  return [
    '-Xms128m',
    '-Xmx512m',
    ...gc,
    // The C1 compiler alone starts the broker in about half the time on small machines, and a
    // local broker is never CPU-bound.
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${dataDir}`,
    `-Dlog4j2.configurationFile=${log4jFile}`,
    ...extra,
    '-cp',
    path.join(libsDir, '*'),
  ];
}

/**
 * Formats a KRaft log directory for the cluster: `standalone` for a single node that is its own
 * controller quorum; the nodes of a cluster list their voters in their configuration instead.
 */
async function formatStorage({ dir, libsDir, clusterId, configFile, standalone }) {
  const toolLog4j = path.join(dir, 'log4j2-tools.properties');
  writeFileSync(toolLog4j, toolLog4jProperties());
  await run(
    javaCommand(),
    [
      `-Dlog4j2.configurationFile=${toolLog4j}`,
      '-cp',
      path.join(libsDir, '*'),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      configFile,
      ...(standalone ? ['--standalone'] : []),
    ],
    { timeoutMs: 120_000 },
  );
}

/**
 * Formats the metadata log once per data directory. A directory formatted for another controller
 * port is wiped, because the single-voter quorum records the controller's endpoint at format time;
 * so is one written by another Kafka version, whose metadata version an older broker cannot read.
 */
async function ensureFormatted({ libsDir, dataDir, logDir, configFile, controllerPort, version, log }) {
  const stampFile = path.join(dataDir, 'cluster.json');
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    stamp = undefined;
  }
  if (existsSync(path.join(logDir, 'meta.properties'))) {
    if (stamp?.controllerPort === controllerPort && stamp?.kafkaVersion === version) return;
    const why =
      stamp?.kafkaVersion === version
        ? 'another controller port'
        : `Kafka ${stamp?.kafkaVersion ?? 'of unknown version'}`;
    log(`wiping ${logDir}: it was formatted for ${why}`);
  }
  rmSync(logDir, { recursive: true, force: true });

  const clusterId = newClusterId();
  await formatStorage({ dir: dataDir, libsDir, clusterId, configFile, standalone: true });
  writeFileSync(
    stampFile,
    JSON.stringify({ clusterId, controllerPort, kafkaVersion: version, nodeId: NODE_ID }, null, 2),
  );
  log(`formatted Kafka storage in ${logDir} (cluster ${clusterId})`);
}

// ---------------------------------------------------------------------------------------------
// Process supervision

// The broker runs under a small shell that ties its life to a pipe from this process: when the
// pipe closes (stop(), or this process dying in any way, even SIGKILL) the shell terminates the
// whole process group, and kills it 15 s later if it has not gone. The signal goes to the group
// rather than a pid so that a recycled pid can never be hit: the group exists as long as the
// watchdog itself does. The shell forwards SIGTERM and outlives the JVM, so this process sees the
// broker's real end as the shell's exit.
const SUPERVISOR = `
exec 3<&0 </dev/null
"$@" 3<&- &
pid=$!
(
  trap '' TERM INT HUP
  cat <&3 >/dev/null 2>&1
  kill -TERM 0 2>/dev/null
  sleep ${STOP_GRACE_MS / 1000}
  kill -KILL 0 2>/dev/null
) &
exec 3<&-
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
status=0
wait "$pid" || status=$?
while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
exit "$status"
`;

const running = new Set();
const signalHandlers = new Map();

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function onExit() {
  for (const broker of running) killGroup(broker.pgid, 'SIGTERM');
}

/**
 * While a broker runs, SIGINT/SIGTERM/SIGHUP stop it before this process goes, and the process then
 * exits with the status the signal would have given it. When the program handles the signal itself
 * (npm start, the benchmark), it stops the broker in its own order — after the services it started,
 * which still need the broker while they drain — so the broker is left to it; the exit hook remains
 * the backstop.
 */
function track(broker) {
  running.add(broker);
  if (signalHandlers.size) return;
  process.on('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const handler = async () => {
      if (process.listenerCount(signal) > 1) return;
      await Promise.allSettled([...running].map((b) => b.stop()));
      process.exit(128 + os.constants.signals[signal]);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function untrackAll() {
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
  process.removeListener('exit', onExit);
}

function untrack(broker) {
  running.delete(broker);
  if (running.size === 0) untrackAll();
}

function failureReport(message, dataDir, logOffset) {
  const serverLog = tailFile(path.join(dataDir, 'server.log'), 30, logOffset);
  const output = tailFile(path.join(dataDir, 'kafka.out'), 15);
  return [
    message,
    serverLog && `--- end of ${path.join(dataDir, 'server.log')}\n${serverLog}`,
    output && `--- end of ${path.join(dataDir, 'kafka.out')}\n${output}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Starts a single-node KRaft broker listening on 127.0.0.1:port and resolves once it serves
 * metadata. A broker already answering on that port is reused (and left running by stop()).
 *
 * @param {{ port: number, controllerPort: number, proxied?: { port: number, advertisedPort: number }, dataDir: string, log?: (message: string) => void, fresh?: boolean }} options
 *   `fresh` discards the topics and offsets of earlier runs before starting. `proxied` adds a second
 *   client listener on `proxied.port` that tells its clients to connect to `proxied.advertisedPort`:
 *   a fault-injecting proxy there sits between those clients and the broker for every connection
 *   they make, while clients of `port` reach the broker directly.
 * @returns {Promise<{ brokers: string, stop: () => Promise<void>, reused: boolean, exited: Promise<number | null> }>}
 *   `exited` settles with the broker's exit code if it ends (for a reused broker it never settles).
 */
export async function startLocalKafka({
  port,
  controllerPort,
  proxied,
  dataDir,
  log = defaultLog,
  fresh = false,
}) {
  const brokers = `${HOST}:${port}`;
  const version = kafkaVersion();
  ensureHostTools(['java'], { log });
  await checkJava();
  const libsDir = await ensureKafkaLibs({ version, log });
  mkdirSync(dataDir, { recursive: true });
  const ephemeral = ephemeralPortRange();
  for (const taken of [port, controllerPort].filter((p) => p >= ephemeral.low && p <= ephemeral.high)) {
    log(
      `port ${taken} is in the kernel's ephemeral range ${ephemeral.low}-${ephemeral.high}: an outgoing ` +
        'connection may take it while the broker is down, and a restart then fails (use brokerPorts())',
    );
  }

  return withLock(
    path.join(dataDir, 'start.lock'),
    async () => {
      const existing = await reusable(port, controllerPort);
      if (existing) {
        log(`reusing the Kafka broker already answering on ${brokers}`);
        return { brokers, stop: async () => {}, reused: true, exited: new Promise(() => {}) };
      }

      const logDir = path.join(dataDir, 'kraft-logs');
      if (fresh) rmSync(logDir, { recursive: true, force: true });
      const configFile = path.join(dataDir, 'server.properties');
      const log4jFile = path.join(dataDir, 'log4j2.properties');
      writeFileSync(configFile, serverProperties({ port, controllerPort, proxied, logDir }));
      writeFileSync(log4jFile, log4jProperties(path.join(dataDir, 'server.log')));
      await ensureFormatted({ libsDir, dataDir, logDir, configFile, controllerPort, version, log });

      return launchKafka({ dataDir, configFile, log4jFile, libsDir, port, version, log });
    },
    { log, what: `start of the Kafka broker in ${dataDir}`, timeoutMs: READY_TIMEOUT_MS + 60_000 },
  );
}

/**
 * Starts a KRaft cluster of `nodes.length` brokers on 127.0.0.1 from the same Maven artifacts as the
 * single broker: every node is broker and controller, the voters are fixed, and every topic has one
 * replica per node with `minInsync` of them required in sync (what production runs: 3 and 2).
 * Resolves once every node serves metadata. Each node can be killed, stopped and started again on
 * its own ports, which should come from brokerPorts() so that nothing takes them meanwhile.
 *
 * @param {{ nodes: Array<{ port: number, controllerPort: number }>, dataDir: string, minInsync?: number, log?: (message: string) => void }} options
 */
export async function startLocalKafkaCluster({ nodes, dataDir, minInsync = 2, log = defaultLog }) {
  if (nodes.length < 1) throw new Error('a cluster needs at least one node');
  const version = kafkaVersion();
  ensureHostTools(['java'], { log });
  await checkJava();
  const libsDir = await ensureKafkaLibs({ version, log });
  const voters = nodes.map((node, index) => `${index + 1}@${HOST}:${node.controllerPort}`).join(',');
  const clusterId = newClusterId();
  const handles = await Promise.all(
    nodes.map(async (node, index) => {
      const nodeId = index + 1;
      const nodeDir = path.join(dataDir, `node-${nodeId}`);
      rmSync(nodeDir, { recursive: true, force: true });
      mkdirSync(nodeDir, { recursive: true });
      const logDir = path.join(nodeDir, 'kraft-logs');
      const configFile = path.join(nodeDir, 'server.properties');
      const log4jFile = path.join(nodeDir, 'log4j2.properties');
      writeFileSync(
        configFile,
        serverProperties({
          ...node,
          logDir,
          nodeId,
          voters,
          replication: nodes.length,
          minInsync: Math.min(minInsync, nodes.length),
        }),
      );
      writeFileSync(log4jFile, log4jProperties(path.join(nodeDir, 'server.log')));
      await formatStorage({ dir: nodeDir, libsDir, clusterId, configFile, standalone: false });
      return clusterNode({
        nodeId,
        ...node,
        launch: () =>
          launchKafka({ dataDir: nodeDir, configFile, log4jFile, libsDir, port: node.port, version, log }),
      });
    }),
  );
  log(`formatted a ${nodes.length}-node Kafka cluster ${clusterId} in ${dataDir}`);
  try {
    // A node waits for a majority of voters, so they start together.
    await Promise.all(handles.map((handle) => handle.start()));
  } catch (err) {
    await Promise.allSettled(handles.map((handle) => handle.stop()));
    throw err;
  }
  return {
    brokers: nodes.map((node) => `${HOST}:${node.port}`).join(','),
    clusterId,
    nodes: handles,
    stop: async () => {
      await Promise.allSettled(handles.map((handle) => handle.stop()));
    },
  };
}

/** One node of a cluster: started, killed, stopped and started again on the same ports and data. */
function clusterNode({ nodeId, port, controllerPort, launch }) {
  let current;
  return {
    nodeId,
    port,
    controllerPort,
    brokers: `${HOST}:${port}`,
    get running() {
      return current !== undefined;
    },
    async start() {
      if (current) return;
      current = await launch();
    },
    /** Ends the broker as a crash would (SIGKILL to its process group): no controlled shutdown. */
    async kill() {
      const running = current;
      current = undefined;
      await running?.kill('SIGKILL');
    },
    /** A controlled shutdown (SIGTERM), as a rolling restart does. */
    async stop() {
      const running = current;
      current = undefined;
      await running?.stop();
    },
  };
}

/**
 * Runs a configured and formatted broker under the supervisor and resolves once it serves metadata
 * on `port`. The handle's `kill` sends a signal to the broker's whole process group (the JVM and its
 * supervisor), as a crash would end it.
 */
async function launchKafka({ dataDir, configFile, log4jFile, libsDir, port, version, log }) {
  const brokers = `${HOST}:${port}`;
  const logOffset = fileSize(path.join(dataDir, 'server.log'));
  const outFd = openSync(path.join(dataDir, 'kafka.out'), 'w');
  let child;
  try {
    child = spawn(
      'sh',
      [
        '-c',
        SUPERVISOR,
        'kafka-supervisor',
        javaCommand(),
        ...jvmArgs(libsDir, log4jFile, dataDir),
        'kafka.Kafka',
        configFile,
      ],
      { cwd: dataDir, stdio: ['pipe', outFd, outFd], detached: true },
    );
  } finally {
    closeSync(outFd);
  }
  // The broker lives as long as this process, but must not by itself keep it alive.
  child.unref();
  child.stdin.unref?.();
  child.stdin.on('error', () => {});

  let stopping;
  let gone = false;
  const broker = {
    pgid: child.pid,
    stop() {
      stopping ??= (async () => {
        if (gone) return;
        // Whoever awaits the stop needs the process kept alive until the broker is gone.
        child.ref();
        child.stdin.destroy();
        const ended = await Promise.race([
          exited.then(() => true),
          sleep(STOP_GRACE_MS + 5000, false, { ref: false }),
        ]);
        if (!ended) {
          log(`Kafka did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
          killGroup(broker.pgid, 'SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
  const exited = new Promise((resolve) =>
    child.once('exit', (code) => {
      // The watchdog outlives the broker; it is ended while it still holds the group id, so
      // the signal cannot reach a group that has since been reused.
      killGroup(broker.pgid, 'SIGKILL');
      gone = true;
      child.stdin.destroy();
      untrack(broker);
      resolve(code);
    }),
  );
  const spawnError = new Promise((_, reject) => child.once('error', reject));
  track(broker);

  const started = Date.now();
  log(`starting Kafka ${version} on ${brokers} (data in ${dataDir})`);
  try {
    await Promise.race([
      waitUntilReady(),
      exited.then((code) => {
        throw new Error(failureReport(`Kafka exited with code ${code} while starting`, dataDir, logOffset));
      }),
      spawnError,
    ]);
  } catch (err) {
    await broker.stop();
    throw err;
  }
  log(`Kafka ready on ${brokers} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    brokers,
    stop: () => broker.stop(),
    kill: async (signal = 'SIGKILL') => {
      // Whoever awaits the end needs the process kept alive until the broker is gone.
      child.ref();
      killGroup(broker.pgid, signal);
      await exited;
    },
    reused: false,
    exited,
  };

  async function waitUntilReady() {
    let lastError;
    while (Date.now() - started < READY_TIMEOUT_MS) {
      if (stopping) throw new Error('Kafka was stopped while starting');
      try {
        if (await kafkaIsReady(HOST, port, { timeoutMs: 3000 })) return;
        lastError = new Error('broker answers but is not yet registered with the controller');
      } catch (err) {
        lastError = err;
      }
      await sleep(200);
    }
    throw new Error(
      failureReport(
        `Kafka did not become ready on ${brokers} within ${READY_TIMEOUT_MS / 1000} s (last probe: ${lastError?.message})`,
        dataDir,
        logOffset,
      ),
    );
  }
}

/**
 * True when a ready broker already serves the port; throws when the ports are held by something
 * that is not a usable broker, which would otherwise surface as a bind error deep in the broker log.
 */
async function reusable(port, controllerPort) {
  if (await canConnect(HOST, port, 1000)) {
    try {
      if (await kafkaIsReady(HOST, port, { timeoutMs: 5000 })) return true;
    } catch {
      // Not Kafka, or not answering: reported below.
    }
    throw new Error(`${HOST}:${port} is in use by something that is not a ready Kafka broker`);
  }
  if (await canConnect(HOST, controllerPort, 1000)) {
    throw new Error(`${HOST}:${controllerPort} (Kafka controller port) is already in use`);
  }
  return false;
}

export { probeKafka, kafkaIsReady };

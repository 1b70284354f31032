import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { isolatedGroups } from './delivery-group.js';
import { testKafka } from './kafka-client.js';
import { serviceLogs } from './service-logs.js';

export const SERVICE_NAMES = [
  'device-registry',
  'mailbox',
  'ingest',
  'push-delivery',
  'operations',
  'activesync',
  'outbound',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface PlatformPorts {
  smtp: number;
  push: number;
  registry: number;
  mailbox: number;
  ingest: number;
  operations: number;
  activesync: number;
  outbound: number;
}

/** What both runtimes (local processes and containers) accept. */
export interface CommonPlatformOptions {
  /** Fixed ports (on the Docker host, for containers); any left out is picked free. */
  ports?: Partial<PlatformPorts>;
  mailDomains?: string[];
  adminToken?: string;
  internalToken?: string;
  mode?: 'production' | 'development' | 'test';
  /** Extra environment for every service, or per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Where service logs go: a directory (one file per service) or a callback per line. */
  logDirectory?: string;
  onLogLine?: (service: ServiceName, line: string) => void;
  readyTimeoutMs?: number;
}

export interface PlatformOptions extends CommonPlatformOptions {
  kafkaBrokers: string;
  databaseUrl: string;
  /** Creates a database of its own (dropped on stop), so parallel runs never share data. */
  freshDatabase?: boolean;
  host?: string;
  /**
   * `KAFKA_TOPIC_PREFIX` of every service. Default: in `test` mode, one of this run's own (its
   * topics and groups are deleted when it stops), so that runs sharing a broker never see each
   * other's events; otherwise none.
   */
  topicPrefix?: string;
  /**
   * Gives this run consumer groups of its own (mailbox's delivery group and operations' trail
   * groups), starting at the current end of their topics, so that runs sharing the topics of a
   * broker never take each other's events into their own databases. Default: on in `test` mode
   * when the run shares the topics (a `topicPrefix` given, or an empty one). A group given in
   * `env`/`serviceEnv` wins.
   */
  isolateConsumerGroups?: boolean;
}

/** Where devices, mail servers and administrators reach a running platform. */
export interface PlatformEndpoints {
  smtp: { host: string; port: number };
  sessionUrl: string;
  websocketUrl: string;
  registryUrl: string;
  /** The operations service: trail, findings, self-test, the console, and every other admin call forwarded. */
  operationsUrl: string;
  /** The ActiveSync gateway: `/Microsoft-Server-ActiveSync` and `/autodiscover/autodiscover.xml` under it. */
  activesyncUrl: string;
}

export interface RunningPlatform extends PlatformEndpoints {
  /** How the services run: as local processes from the built output, or as containers. */
  runtime: 'processes' | 'containers';
  host: string;
  ports: PlatformPorts;
  adminToken: string;
  /** The database the services use, as the test reaches it. */
  databaseUrl: string;
  /** The Kafka bootstrap servers, as the test reaches them. */
  kafkaBrokers: string;
  /** The services' `KAFKA_TOPIC_PREFIX`: `testKafka(name, kafkaBrokers, topicPrefix)` reads their topics. */
  topicPrefix: string;
  mailDomains: string[];
  /** The service processes; empty when the services run as containers. */
  processes: Map<ServiceName, ChildProcess>;
  /** Stops one service (SIGTERM, or SIGKILL for a crash) and starts it again, waiting until ready. */
  restart(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  stopService(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  startService(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The ports asked for, and a free one for each service not named, all distinct and outside the
 * kernel's ephemeral range (within `PUSHMAIL_LISTEN_PORTS` when set): a port from that range can be
 * handed to some process's outgoing connection between the pick and the service's bind, and the
 * service then fails with EADDRINUSE while its readiness probe reaches whoever holds the port.
 */
export async function choosePorts(requested: Partial<PlatformPorts> = {}): Promise<PlatformPorts> {
  const services = [
    'smtp',
    'push',
    'registry',
    'mailbox',
    'ingest',
    'operations',
    'activesync',
    'outbound',
  ] as const satisfies readonly (keyof PlatformPorts)[];
  const missing = services.filter((service) => requested[service] === undefined);
  const { pickListenPorts } = await import('@pushmail/infra');
  const fresh = missing.length > 0 ? await pickListenPorts(missing.length) : [];
  const portOf = (service: (typeof services)[number]): number =>
    requested[service] ?? fresh[missing.indexOf(service)]!;
  return {
    smtp: portOf('smtp'),
    push: portOf('push'),
    registry: portOf('registry'),
    mailbox: portOf('mailbox'),
    ingest: portOf('ingest'),
    operations: portOf('operations'),
    activesync: portOf('activesync'),
    outbound: portOf('outbound'),
  };
}

/** An administrator token in the form device-registry expects, unless the caller gives one. */
export function adminTokenOf(options: CommonPlatformOptions): string {
  return options.adminToken ?? `pma_${randomBytes(24).toString('base64url')}`;
}

/**
 * Starts the six services from their built output, against the given broker and database, and
 * resolves once every one answers ready. Used by `npm start`, the end-to-end tests and the benchmarks.
 */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const host = options.host ?? '127.0.0.1';
  const ports = await choosePorts(options.ports);
  const adminToken = adminTokenOf(options);
  const internalToken = options.internalToken ?? randomBytes(32).toString('base64url');
  const mailDomains = options.mailDomains ?? ['example.com'];
  const databaseUrl = options.freshDatabase
    ? await createDatabase(options.databaseUrl, `pm_${randomBytes(6).toString('hex')}`)
    : options.databaseUrl;
  const publicUrl = `http://${host}:${ports.push}`;
  const mode = options.mode ?? 'test';
  const ownTopics = options.topicPrefix === undefined && options.env?.['KAFKA_TOPIC_PREFIX'] === undefined;
  const topicPrefix =
    options.topicPrefix ??
    options.env?.['KAFKA_TOPIC_PREFIX'] ??
    (mode === 'test' ? `test-${randomBytes(6).toString('hex')}.` : '');
  const runTopics = ownTopics && topicPrefix !== '';
  const isolate = options.isolateConsumerGroups ?? (mode === 'test' && !runTopics);
  const given = (service: ServiceName, name: string): boolean =>
    options.env?.[name] !== undefined || options.serviceEnv?.[service]?.[name] !== undefined;
  const isolated = isolate
    ? await isolatedGroups(testKafka('test-setup', options.kafkaBrokers, topicPrefix), {
        ...(given('mailbox', 'MAILBOX_DELIVERY_GROUP') ? {} : { delivery: 'mailbox-test' }),
        ...(given('operations', 'TRAIL_CONSUMER_GROUP') ? {} : { trail: 'operations-trail-test' }),
        ...(given('outbound', 'OUTBOUND_GROUP') ? {} : { outbound: 'outbound-test' }),
      })
    : {};
  const groups: {
    mailbox: Record<string, string>;
    operations: Record<string, string>;
    outbound: Record<string, string>;
  } = {
    mailbox: isolated.delivery ? { MAILBOX_DELIVERY_GROUP: isolated.delivery } : {},
    operations: isolated.trail ? { TRAIL_CONSUMER_GROUP: isolated.trail } : {},
    outbound: isolated.outbound ? { OUTBOUND_GROUP: isolated.outbound } : {},
  };

  const common: Record<string, string> = {
    KAFKA_BROKERS: options.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    DATABASE_URL: databaseUrl,
    HTTP_HOST: host,
    INTERNAL_TOKEN: internalToken,
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    ...options.env,
  };
  const envOf: Record<ServiceName, Record<string, string>> = {
    'device-registry': {
      REGISTRY_HTTP_PORT: String(ports.registry),
      ADMIN_TOKEN: adminToken,
      PUBLIC_JMAP_URL: `${publicUrl}/.well-known/jmap`,
    },
    operations: {
      OPERATIONS_HTTP_PORT: String(ports.operations),
      ...groups.operations,
      ADMIN_TOKEN: adminToken,
      REGISTRY_URL: `http://${host}:${ports.registry}`,
      OUTBOUND_URL: `http://${host}:${ports.outbound}`,
      // The self-test and the console's live counters reach the services where this run put them.
      SELFTEST_SMTP_HOST: host,
      SELFTEST_SMTP_PORT: String(ports.smtp),
      SELFTEST_JMAP_WS_URL: `ws://${host}:${ports.push}/jmap/ws`,
      CONSOLE_METRICS_URLS: [
        `ingest=http://${host}:${ports.ingest}`,
        `mailbox=http://${host}:${ports.mailbox}`,
        `device-registry=http://${host}:${ports.registry}`,
        `push-delivery=http://${host}:${ports.push}`,
        `operations=http://${host}:${ports.operations}`,
        `activesync=http://${host}:${ports.activesync}`,
        `outbound=http://${host}:${ports.outbound}`,
      ].join(','),
    },
    mailbox: {
      MAILBOX_HTTP_PORT: String(ports.mailbox),
      ...groups.mailbox,
    },
    ingest: {
      INGEST_HTTP_PORT: String(ports.ingest),
      SMTP_PORT: String(ports.smtp),
      SMTP_HOST: host,
      MAIL_DOMAINS: mailDomains.join(','),
    },
    'push-delivery': {
      PUSH_HTTP_PORT: String(ports.push),
      PUBLIC_URL: publicUrl,
      MAILBOX_URL: `http://${host}:${ports.mailbox}`,
      REGISTRY_URL: `http://${host}:${ports.registry}`,
    },
    activesync: {
      ACTIVESYNC_HTTP_PORT: String(ports.activesync),
      ACTIVESYNC_PUBLIC_URL: `http://${host}:${ports.activesync}`,
      MAILBOX_URL: `http://${host}:${ports.mailbox}`,
      REGISTRY_URL: `http://${host}:${ports.registry}`,
    },
    outbound: {
      OUTBOUND_HTTP_PORT: String(ports.outbound),
      ADMIN_TOKEN: adminToken,
      MAIL_DOMAINS: mailDomains.join(','),
      ...groups.outbound,
    },
  };
  const healthPort: Record<ServiceName, number> = {
    'device-registry': ports.registry,
    mailbox: ports.mailbox,
    ingest: ports.ingest,
    'push-delivery': ports.push,
    operations: ports.operations,
    activesync: ports.activesync,
    outbound: ports.outbound,
  };

  const processes = new Map<ServiceName, ChildProcess>();
  const logs = serviceLogs(options);

  const launch = (service: ServiceName): ChildProcess => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/apps', service, 'main.js')], {
      cwd: repoRoot,
      env: { ...process.env, ...common, ...envOf[service], ...options.serviceEnv?.[service] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    logs.follow(service, ...[child.stdout, child.stderr].filter((stream) => stream !== null));
    processes.set(service, child);
    return child;
  };

  const waitReady = async (service: ServiceName, child: ChildProcess): Promise<void> => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
    const url = `http://${host}:${healthPort[service]}/health/ready`;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${service} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logs.recent(service)}`,
        );
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 150));
    }
    throw new Error(
      `${service} not ready after ${options.readyTimeoutMs ?? 180_000} ms:\n${logs.recent(service)}`,
    );
  };

  const stopService = async (service: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const child = processes.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  const startService = async (service: ServiceName): Promise<void> => {
    await waitReady(service, launch(service));
  };

  const stopAll = async () => {
    await Promise.all(SERVICE_NAMES.map((service) => stopService(service)));
    logs.close();
    if (runTopics) await deleteInstallation(options.kafkaBrokers, topicPrefix).catch(() => undefined);
  };

  try {
    await Promise.all(SERVICE_NAMES.map((service) => startService(service)));
  } catch (error) {
    await stopAll();
    if (options.freshDatabase) await dropDatabase(options.databaseUrl, databaseUrl).catch(() => undefined);
    throw error;
  }

  return {
    runtime: 'processes',
    host,
    ports,
    smtp: { host, port: ports.smtp },
    sessionUrl: `${publicUrl}/.well-known/jmap`,
    websocketUrl: `ws://${host}:${ports.push}/jmap/ws`,
    registryUrl: `http://${host}:${ports.registry}`,
    operationsUrl: `http://${host}:${ports.operations}`,
    activesyncUrl: `http://${host}:${ports.activesync}`,
    adminToken,
    databaseUrl,
    kafkaBrokers: options.kafkaBrokers,
    topicPrefix,
    mailDomains,
    processes,
    stopService,
    startService,
    async restart(service, signal = 'SIGTERM') {
      await stopService(service, signal);
      await startService(service);
    },
    async stop() {
      await stopAll();
      if (options.freshDatabase) await dropDatabase(options.databaseUrl, databaseUrl).catch(() => undefined);
    },
  };
}

/** Deletes the topics and consumer groups of a run's `KAFKA_TOPIC_PREFIX`, once its services stopped. */
async function deleteInstallation(brokers: string, topicPrefix: string): Promise<void> {
  const admin = testKafka('test-teardown', brokers, topicPrefix).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const { groups } = await admin.listGroups();
    if (groups.length > 0) await admin.deleteGroups(groups.map((group) => group.groupId));
  } finally {
    await admin.disconnect();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file, to drop afterwards. */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const url = await createDatabase(adminUrl, `pm_${randomBytes(6).toString('hex')}`);
  return { url, drop: () => dropDatabase(adminUrl, url) };
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** A port free to listen on, outside the kernel's ephemeral range (see `choosePorts`). */
export async function freePort(): Promise<number> {
  const { pickListenPorts } = await import('@pushmail/infra');
  const [port] = await pickListenPorts(1);
  return port!;
}

export interface LocalKafka {
  brokers: string;
  stop: () => Promise<void>;
  reused: boolean;
  exited: Promise<number | null>;
}

/** Starts (or reuses) a single-node KRaft broker on 127.0.0.1:port from Maven Central's artifacts. */
export function startLocalKafka(options: {
  port: number;
  controllerPort: number;
  /** A second client listener whose clients are told to connect through advertisedPort (a proxy). */
  proxied?: { port: number; advertisedPort: number };
  dataDir: string;
  log?: (message: string) => void;
  fresh?: boolean;
}): Promise<LocalKafka>;

/**
 * A broker's client and controller ports, chosen outside the kernel's ephemeral port range and free
 * now: no outgoing connection can take them while the broker is down, so keep them across restarts.
 */
export function brokerPorts(options?: PortPickOptions): Promise<{ port: number; controllerPort: number }>;

/** `count` distinct free ports outside the kernel's ephemeral range. */
export function pickListenPorts(count: number, options?: PortPickOptions): Promise<number[]>;

/** The range the kernel assigns outgoing connections' local ports from. */
export function ephemeralPortRange(): { low: number; high: number };

export interface PortPickOptions {
  /** Only ports in this range (default: 10000-65535), less the ephemeral range. */
  within?: { low: number; high: number };
  ephemeral?: { low: number; high: number };
  isFree?: (port: number) => Promise<boolean>;
  random?: () => number;
  attempts?: number;
}

export interface LocalKafkaNode {
  nodeId: number;
  port: number;
  controllerPort: number;
  brokers: string;
  readonly running: boolean;
  /** Starts the node again on its ports and data; resolves once it serves metadata. */
  start: () => Promise<void>;
  /** Ends it as a crash would: SIGKILL to its process group, no controlled shutdown. */
  kill: () => Promise<void>;
  /** A controlled shutdown (SIGTERM). */
  stop: () => Promise<void>;
}

export interface LocalKafkaCluster {
  /** Every node's address, comma-separated, for KAFKA_BROKERS. */
  brokers: string;
  clusterId: string;
  nodes: LocalKafkaNode[];
  stop: () => Promise<void>;
}

/**
 * A KRaft cluster of brokers (each also a controller) from the same Maven artifacts: replication
 * factor = number of nodes, min.insync.replicas = minInsync (default 2). Give it brokerPorts().
 */
export function startLocalKafkaCluster(options: {
  nodes: Array<{ port: number; controllerPort: number }>;
  dataDir: string;
  minInsync?: number;
  log?: (message: string) => void;
}): Promise<LocalKafkaCluster>;

export interface Infrastructure {
  kafkaBrokers: string;
  databaseUrl: string;
  stop: () => Promise<void>;
  exited: Promise<string>;
}

/** Kafka and Postgres for `npm start` and the tests: configured URLs, Docker, or local processes. */
export function ensureInfrastructure(options?: {
  purpose?: 'start' | 'test';
  log?: (message: string) => void;
  fresh?: boolean;
}): Promise<Infrastructure>;

/**
 * True when a Docker engine answers (the docker client alone is not enough). PUSHMAIL_INFRA=local
 * makes it false and PUSHMAIL_INFRA=docker true without asking.
 */
export function hasDockerEngine(): Promise<boolean>;

export const DEFAULT_KAFKA_VERSION: string;
export function kafkaVersion(): string;

export { ensureHostTools, HOST_TOOLS, onPath, type HostTool } from './host-tools.mjs';

/** A private PostgreSQL 15 with the production settings of docs/performance.md. */
export { productionSettings, RECORDED_SETTINGS, startTunedPostgres } from './postgres-tuned.mjs';

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
  dataDir: string;
  log?: (message: string) => void;
  fresh?: boolean;
}): Promise<LocalKafka>;

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

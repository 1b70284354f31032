export interface LocalKafka {
  brokers: string;
  stop: () => Promise<void>;
  reused: boolean;
  exited: Promise<number | null>;
}

export function startLocalKafka(options: {
  port: number;
  controllerPort: number;
  dataDir: string;
  log?: (message: string) => void;
  fresh?: boolean;
}): Promise<LocalKafka>;

export const DEFAULT_KAFKA_VERSION: string;
export function kafkaVersion(): string;

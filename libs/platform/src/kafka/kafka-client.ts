import kafkajs, { type Kafka, type KafkaConfig, type logLevel as LogLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { fixKafkajsRequestQueueTimers } from './kafkajs-request-queue.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long one request may take before the client gives up on it. */
  requestTimeoutMs?: number;
}

export function createKafka(settings: KafkaSettings): Kafka {
  // The default partitioner is the one every event relies on (murmur2 of the account id key); the notice is noise.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  const log = settings.logger.child({ component: 'kafka' });
  routeProcessWarnings(settings.logger);
  fixKafkajsRequestQueueTimers();
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    requestTimeout: settings.requestTimeoutMs ?? 10_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: { level: LogLevel; log: { message: string } & Record<string, unknown> }) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  };
  return new KafkaClient(config);
}

let warningsRouted = false;

/** Process warnings go into the JSON log rather than onto stderr as plain text. */
function routeProcessWarnings(logger: Logger): void {
  if (warningsRouted) return;
  warningsRouted = true;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    logger.warn({ warning: { name: warning.name, message: warning.message } }, 'process warning');
  });
}

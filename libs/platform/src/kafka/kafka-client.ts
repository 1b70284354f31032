import { createRequire } from 'node:module';
import kafkajs, { type Kafka, type KafkaConfig, type logLevel as LogLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { fixKafkajsFailedJoinLeaves } from './kafkajs-group-leave.js';
import { fixKafkajsOffsetCommitCoordinator } from './kafkajs-offset-commit.js';
import { fixKafkajsRequestQueueTimers } from './kafkajs-request-queue.js';
import { withTopicPrefix } from './topic-prefix.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long one request may take before the client gives up on it. */
  requestTimeoutMs?: number;
  /** `KAFKA_TOPIC_PREFIX`: the client maps logical topic names and group ids to the prefixed ones. */
  topicPrefix?: string;
}

export function createKafka(settings: KafkaSettings): Kafka {
  // The default partitioner is the one every event relies on (murmur2 of the account id key); the notice is noise.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  const log = settings.logger.child({ component: 'kafka' });
  routeProcessWarnings(settings.logger);
  fixKafkajsRequestQueueTimers();
  fixKafkajsOffsetCommitCoordinator();
  fixKafkajsFailedJoinLeaves();
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
        const severity = kafkajsLogSeverity(level, entry);
        if (severity === 'error') log.error(rest, message);
        else if (severity === 'warn') log.warn(rest, message);
        else log.debug(rest, message);
      },
  };
  return withTopicPrefix(new KafkaClient(config), settings.topicPrefix ?? '');
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

/** The messages of the broker error codes kafkajs retries by itself (its protocol table's `retriable`). */
const RETRIED_BROKER_ERRORS: ReadonlySet<string> = new Set(
  (
    createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: { message: string; retriable: boolean }[];
    }
  ).errorCodes
    .filter((code) => code.retriable)
    .map((code) => code.message),
);

/** A topic another service created first: the topics admin counts it as created. */
const TOPIC_ALREADY_EXISTS = 'Topic with this name already exists';
/**
 * kafkajs's message for a CreateTopics answer with any topic refused (each topic's error inside): at
 * `npm start`, topics another service created in the same second, which kafkajs's admin then counts
 * as created. Any other refusal reaches the topics admin, which logs it at warn and retries.
 */
const TOPIC_CREATION_ERRORS = 'Topic creation errors';

/** Whether an error (or what caused it) is a broker error kafkajs retries by itself. */
export function isRetriedBrokerError(error: unknown): boolean {
  let cause = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  return cause instanceof Error && RETRIED_BROKER_ERRORS.has(cause.message);
}

/**
 * kafkajs logs every failed response at ERROR, including the answers a broker gives while it starts or
 * moves a leader ("The coordinator is loading and hence can't process requests"), which it then
 * retries, and a consumer it restarts after one: at `npm start` and during a rolling restart those
 * read as failures when nothing failed. A response refused with a retriable broker error, or a
 * CreateTopics answer the topics admin handles itself (a topic another service created first), is
 * logged at debug; a consumer's crash on a retriable
 * broker error and its restart at warn. If the retries run out, the caller's error is logged where
 * it is handled.
 */
export function kafkajsLogSeverity(
  level: LogLevel,
  entry: { message: string; error?: unknown },
): 'error' | 'warn' | 'debug' {
  if (level <= logLevel.ERROR) {
    const { message, error } = entry;
    if (message.startsWith('Response ') && typeof error === 'string') {
      if (RETRIED_BROKER_ERRORS.has(error)) return 'debug';
      if (
        message.startsWith('Response CreateTopics') &&
        (error === TOPIC_ALREADY_EXISTS || error === TOPIC_CREATION_ERRORS)
      )
        return 'debug';
    }
    const crash = /^Crash: KafkaJSProtocolError: (.*)$/.exec(message);
    if (crash && RETRIED_BROKER_ERRORS.has(crash[1]!)) return 'warn';
    if (message.startsWith('Restarting the consumer in ')) return 'warn';
    return 'error';
  }
  return level === logLevel.WARN ? 'warn' : 'debug';
}

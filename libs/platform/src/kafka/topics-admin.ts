import type { TopicDefinition } from '@pushmail/contracts';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { MessagingConfig } from './messaging-config.js';

export type TopicsSettings = Pick<MessagingConfig, 'KAFKA_TOPICS' | 'KAFKA_REPLICATION_FACTOR'>;

export class TopicsMismatchError extends Error {
  override readonly name = 'TopicsMismatchError';
}

/** Creates the topics (development and tests) or checks them (production), as the settings say. */
export async function prepareTopics(
  kafka: Kafka,
  topics: readonly TopicDefinition[],
  logger: Logger,
  settings: TopicsSettings,
): Promise<void> {
  if (settings.KAFKA_TOPICS === 'verify')
    await verifyTopics(kafka, topics, settings.KAFKA_REPLICATION_FACTOR);
  else await ensureTopics(kafka, topics, logger, settings.KAFKA_REPLICATION_FACTOR);
}

/**
 * Creates the topics that do not exist yet, with their declared partitions and configuration.
 * Safe to run from several services at once: a topic another process created meanwhile is fine.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicDefinition[],
  logger: Logger,
  replicationFactor = 1,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic.name));
      if (missing.length === 0) return;
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor,
            configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
          })),
        });
        logger.info({ topics: missing.map((topic) => topic.name) }, 'created topics');
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        logger.warn({ err: error, attempt }, 'creating topics failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Checks that every topic exists with its declared partitions and at least `replicationFactor`
 * replicas per partition; throws one error that lists every difference.
 */
export async function verifyTopics(
  kafka: Kafka,
  topics: readonly TopicDefinition[],
  replicationFactor: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const problems = topicProblems(topics, await describeTopics(admin), replicationFactor);
    if (problems.length > 0) {
      throw new TopicsMismatchError(
        `the topics are not as declared (KAFKA_TOPICS=verify: the operator creates them):\n  ${problems.join('\n  ')}`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}

/** Per existing topic, the replica count of each partition. */
async function describeTopics(admin: Admin): Promise<Map<string, number[]>> {
  const names = await admin.listTopics();
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  return new Map(
    topics.map((topic) => [topic.name, topic.partitions.map((partition) => partition.replicas.length)]),
  );
}

export function topicProblems(
  declared: readonly TopicDefinition[],
  existing: ReadonlyMap<string, readonly number[]>,
  replicationFactor: number,
): string[] {
  const problems: string[] = [];
  for (const topic of declared) {
    const replicas = existing.get(topic.name);
    if (replicas === undefined) {
      problems.push(`${topic.name}: missing`);
      continue;
    }
    if (replicas.length !== topic.partitions)
      problems.push(`${topic.name}: ${replicas.length} partitions, declared ${topic.partitions}`);
    const fewest = Math.min(...replicas);
    if (fewest < replicationFactor)
      problems.push(`${topic.name}: ${fewest} replicas, at least ${replicationFactor} expected`);
  }
  return problems;
}

import type { TopicDefinition } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

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

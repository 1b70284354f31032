import {
  fixKafkajsOffsetCommitCoordinator,
  fixKafkajsRequestQueueTimers,
  withTopicPrefix,
} from '@pushmail/platform';
import kafkajs, { type Kafka } from 'kafkajs';

/**
 * A kafkajs client for a test's own admin, producer or consumer, with the fixes every service runs:
 * without them kafkajs prints a TimeoutNegativeWarning after its first response. With a platform's
 * `topicPrefix`, it reads and writes that platform's topics, by their logical names.
 */
export function testKafka(clientId: string, brokers: string, topicPrefix = ''): Kafka {
  fixKafkajsRequestQueueTimers();
  fixKafkajsOffsetCommitCoordinator();
  return withTopicPrefix(
    new kafkajs.Kafka({ clientId, brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }),
    topicPrefix,
  );
}

import { fixKafkajsOffsetCommitCoordinator, fixKafkajsRequestQueueTimers } from '@pushmail/platform';
import kafkajs, { type Kafka } from 'kafkajs';

/**
 * A kafkajs client for a test's own admin, producer or consumer, with the fixes every service runs:
 * without them kafkajs prints a TimeoutNegativeWarning after its first response.
 */
export function testKafka(clientId: string, brokers: string): Kafka {
  fixKafkajsRequestQueueTimers();
  fixKafkajsOffsetCommitCoordinator();
  return new kafkajs.Kafka({ clientId, brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
}

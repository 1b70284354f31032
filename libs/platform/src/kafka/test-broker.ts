import { randomBytes } from 'node:crypto';
import { mailboxChangedTopic, type TopicDefinition } from '@pushmail/contracts';
import { pino } from 'pino';
import { createKafka } from './kafka-client.js';

/**
 * For this library's integration specs (the test kit builds on this library, so they cannot use
 * it): the broker named by KAFKA_BROKERS, a silent logger, a client without a topic prefix (what is
 * really on the wire), and the topics a spec file made, to delete once it ends.
 */
export function testBroker(clientId: string) {
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) throw new Error('KAFKA_BROKERS must name the test broker');
  const logger = pino({ level: 'silent' });
  const kafka = createKafka({ brokers: brokers.split(','), clientId, logger });
  const created: string[] = [];
  return {
    brokers: brokers.split(','),
    logger,
    kafka,
    /** Names a topic (on the wire) to delete with the others. */
    created(...names: string[]): void {
      created.push(...names);
    },
    /** A topic of this test alone, shaped like a real one, not created yet; deleted with the others. */
    freshTopic(): TopicDefinition<typeof mailboxChangedTopic.schema> {
      const topic = uniqueTopic();
      created.push(topic.name);
      return topic;
    },
    async deleteCreatedTopics(): Promise<void> {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: created }).finally(() => admin.disconnect());
    },
  };
}

/** A topic definition of this test alone, shaped like a real one, under a name nothing else uses. */
export function uniqueTopic(): TopicDefinition<typeof mailboxChangedTopic.schema> {
  return {
    ...mailboxChangedTopic,
    name: `pushmail.test.${randomBytes(6).toString('hex')}.v1`,
    partitions: 2,
  };
}

import { randomBytes } from 'node:crypto';
import { mailboxChangedTopic, type TopicDefinition } from '@pushmail/contracts';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from './kafka-client.js';
import { prepareTopics, TopicsMismatchError } from './topics-admin.js';

const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must name the test broker');
const logger = pino({ level: 'silent' });
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'topics-admin-test', logger });

const created: string[] = [];

/** A topic of this test alone, shaped like a real one; deleted afterwards. */
const freshTopic = (): TopicDefinition<typeof mailboxChangedTopic.schema> => {
  const name = `pushmail.test.${randomBytes(6).toString('hex')}.v1`;
  created.push(name);
  return { ...mailboxChangedTopic, name, partitions: 2 };
};

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: created }).finally(() => admin.disconnect());
});

describe(prepareTopics.name, () => {
  it('refuses in verify mode a topic nobody created, and accepts it once created', async () => {
    const topic = freshTopic();
    const verify = () =>
      prepareTopics(kafka, [topic], logger, { KAFKA_TOPICS: 'verify', KAFKA_REPLICATION_FACTOR: 1 });

    await expect(verify()).rejects.toThrow(TopicsMismatchError);
    await expect(verify()).rejects.toThrow(`${topic.name}: missing`);
    await prepareTopics(kafka, [topic], logger, { KAFKA_TOPICS: 'create', KAFKA_REPLICATION_FACTOR: 1 });
    await expect(verify()).resolves.toBeUndefined();
  });

  it('refuses in verify mode a topic with other partitions or fewer replicas than expected', async () => {
    const topic = freshTopic();
    await prepareTopics(kafka, [topic], logger, { KAFKA_TOPICS: 'create', KAFKA_REPLICATION_FACTOR: 1 });

    const declaredOtherwise: typeof topic = { ...topic, partitions: 3 };

    await expect(
      prepareTopics(kafka, [declaredOtherwise], logger, {
        KAFKA_TOPICS: 'verify',
        KAFKA_REPLICATION_FACTOR: 2,
      }),
    ).rejects.toThrow(
      `${topic.name}: 2 partitions, declared 3\n  ${topic.name}: 1 replicas, at least 2 expected`,
    );
  });
});

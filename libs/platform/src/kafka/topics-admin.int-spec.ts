import { afterAll, describe, expect, it } from 'vitest';
import { testBroker } from './test-broker.js';
import { prepareTopics, TopicsMismatchError } from './topics-admin.js';

const broker = testBroker('topics-admin-test');
const { kafka, logger } = broker;
/** A topic of this test alone, shaped like a real one; deleted afterwards. */
const freshTopic = () => broker.freshTopic();

afterAll(() => broker.deleteCreatedTopics());

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

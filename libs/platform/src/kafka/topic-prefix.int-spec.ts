import { randomBytes } from 'node:crypto';
import {
  deadLetterTopic,
  decodeEvent,
  type mailboxChangedTopic,
  type MailboxChangedV1,
  type TopicDefinition,
} from '@pushmail/contracts';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaMetrics } from '../metrics/kafka-metrics.js';
import { EventConsumer } from './event-consumer.js';
import { EventProducer } from './event-producer.js';
import { mailboxChange } from './fake-kafka.js';
import { createKafka } from './kafka-client.js';
import { testBroker, uniqueTopic } from './test-broker.js';
import { ensureTopics } from './topics-admin.js';

/** The broker as it is, without a prefix: what is really on the wire. */
const broker = testBroker('topic-prefix-test');
const { kafka: wire, logger } = broker;

afterAll(() => broker.deleteCreatedTopics());

/** One installation on the shared broker: its client, producer, and a consumer of `topic`. */
async function installation(prefix: string, topic: TopicDefinition<typeof mailboxChangedTopic.schema>) {
  const kafka = createKafka({
    brokers: broker.brokers,
    clientId: 'topic-prefix-test',
    logger,
    topicPrefix: prefix,
  });
  await ensureTopics(kafka, [topic, deadLetterTopic], logger);
  broker.created(`${prefix}${topic.name}`, `${prefix}${deadLetterTopic.name}`);
  const metrics = new KafkaMetrics(new Registry());
  const producer = new EventProducer(kafka, logger, metrics);
  await producer.connect();
  const handled: Array<{ eventId: string; topic: string }> = [];
  const consumer = new EventConsumer(kafka, producer, logger, {
    topic,
    // The same group id in both installations, as two installations of one service have.
    groupId: 'mailbox-delivery',
    fromBeginning: true,
    metrics,
    handleBatch: async (events) => {
      handled.push(
        ...events.map(({ event, topic: consumed }) => ({ eventId: event.eventId, topic: consumed })),
      );
    },
  });
  await consumer.start();
  return {
    producer,
    handled,
    async stop() {
      await consumer.stop();
      await producer.disconnect();
    },
  };
}

describe('KAFKA_TOPIC_PREFIX', () => {
  it("keeps two installations on one broker apart: neither consumes the other's events", async () => {
    const topic = uniqueTopic();
    const run = randomBytes(4).toString('hex');
    const staging = await installation(`staging-${run}.`, topic);
    const tenant = await installation(`tenant-${run}.`, topic);
    try {
      const stagingEvents: MailboxChangedV1[] = [mailboxChange(), mailboxChange(), mailboxChange()];
      await staging.producer.publish(topic, stagingEvents);
      await expect
        .poll(() => staging.handled.map(({ eventId }) => eventId).sort(), { timeout: 30_000, interval: 100 })
        .toEqual(stagingEvents.map(({ eventId }) => eventId).sort());
      // Handlers see the logical name, as `@EventPattern` declares it.
      expect(new Set(staging.handled.map((entry) => entry.topic))).toEqual(new Set([topic.name]));

      // The tenant reads its own topic up to an event of its own, published after staging's were
      // consumed: had it read staging's topic, staging's events would have come first.
      const tenantEvent = mailboxChange();
      await tenant.producer.publish(topic, [tenantEvent]);
      await expect
        .poll(() => tenant.handled.map(({ eventId }) => eventId), { timeout: 30_000, interval: 100 })
        .toContain(tenantEvent.eventId);
      expect(tenant.handled.map(({ eventId }) => eventId)).toEqual([tenantEvent.eventId]);
      expect(staging.handled.map(({ eventId }) => eventId)).not.toContain(tenantEvent.eventId);

      // On the wire: the prefixed topics and groups, and nothing under the logical name.
      const admin = wire.admin();
      await admin.connect();
      try {
        const topics = await admin.listTopics();
        expect(topics).toEqual(
          expect.arrayContaining([`staging-${run}.${topic.name}`, `tenant-${run}.${topic.name}`]),
        );
        expect(topics).not.toContain(topic.name);
        const [committed] = await admin.fetchOffsets({
          groupId: `staging-${run}.mailbox-delivery`,
          topics: [`staging-${run}.${topic.name}`],
        });
        const total = (committed?.partitions ?? []).reduce(
          (sum, entry) => sum + Math.max(0, Number(entry.offset)),
          0,
        );
        expect(total).toBe(stagingEvents.length);
      } finally {
        await admin.disconnect();
      }
    } finally {
      await Promise.all([staging.stop(), tenant.stop()]);
    }
  }, 90_000);

  it("sends an installation's invalid events to its own dead-letter topic, naming the source topic logically", async () => {
    const topic = uniqueTopic();
    const prefix = `dl-${randomBytes(4).toString('hex')}.`;
    const site = await installation(prefix, topic);
    try {
      const producer = wire.producer();
      await producer.connect();
      await producer
        .send({ topic: `${prefix}${topic.name}`, messages: [{ key: 'poison', value: 'not json' }] })
        .finally(() => producer.disconnect());

      const letters: Array<{ sourceTopic: string; key: string | null }> = [];
      const reader = wire.consumer({ groupId: `topic-prefix-test-${randomBytes(6).toString('hex')}` });
      await reader.connect();
      await reader.subscribe({ topics: [`${prefix}${deadLetterTopic.name}`], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const decoded = decodeEvent(deadLetterTopic, message.value);
          if (decoded.ok) letters.push({ sourceTopic: decoded.event.sourceTopic, key: decoded.event.key });
        },
      });
      try {
        await expect
          .poll(() => letters, { timeout: 30_000, interval: 100 })
          .toEqual([{ sourceTopic: topic.name, key: 'poison' }]);
      } finally {
        await reader.disconnect();
      }
    } finally {
      await site.stop();
    }
  }, 90_000);
});

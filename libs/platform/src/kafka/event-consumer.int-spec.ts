import { randomBytes } from 'node:crypto';
import {
  encodeEvent,
  mailboxChangedTopic,
  type MailboxChangedV1,
  type TopicDefinition,
} from '@pushmail/contracts';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaMetrics } from '../metrics/kafka-metrics.js';
import { EventConsumer } from './event-consumer.js';
import { EventProducer } from './event-producer.js';
import { mailboxChange } from './fake-kafka.js';
import { testBroker } from './test-broker.js';

const broker = testBroker('event-consumer-test');
const { kafka, logger } = broker;

afterAll(() => broker.deleteCreatedTopics());

async function freshTopic(): Promise<TopicDefinition<typeof mailboxChangedTopic.schema>> {
  const topic = broker.freshTopic();
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .createTopics({ waitForLeaders: true, topics: [{ topic: topic.name, numPartitions: topic.partitions }] })
    .finally(() => admin.disconnect());
  return topic;
}

async function produce(topic: string, partition: number, events: MailboxChangedV1[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer
    .send({
      topic,
      messages: events.map((event) => ({ ...encodeEvent(mailboxChangedTopic, event), partition })),
    })
    .finally(() => producer.disconnect());
}

async function committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries((offsets?.partitions ?? []).map((entry) => [entry.partition, entry.offset]));
  } finally {
    await admin.disconnect();
  }
}

describe(`${EventConsumer.name} of a group that reads from the end`, () => {
  it('commits its start at the end of every partition before it joins, and reads what comes after', async () => {
    const topic = await freshTopic();
    await produce(topic.name, 0, [mailboxChange(), mailboxChange(), mailboxChange()]);
    const groupId = `event-consumer-test-${randomBytes(6).toString('hex')}`;
    const handled: string[] = [];
    const metrics = new KafkaMetrics(new Registry());
    const consumer = new EventConsumer(kafka, new EventProducer(kafka, logger, metrics), logger, {
      topic,
      groupId,
      fromBeginning: false,
      metrics,
      handleBatch: async (events) => {
        handled.push(...events.map(({ event }) => event.eventId));
      },
    });
    await consumer.start();
    try {
      // Before any event was handled: the start is on record, not left to the next join to find.
      expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '3', 1: '0' });

      const after = mailboxChange();
      await produce(topic.name, 1, [after]);
      await expect.poll(() => handled, { timeout: 30_000, interval: 100 }).toEqual([after.eventId]);
    } finally {
      await consumer.stop();
    }
  }, 60_000);
});

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

describe(`${EventConsumer.name} paused while its process has no use for the topic`, () => {
  it('leaves the group, never reads what was published meanwhile, and reads what comes after it resumed', async () => {
    const topic = await freshTopic();
    const groupId = `event-consumer-test-${randomBytes(6).toString('hex')}`;
    const handled: string[] = [];
    const metrics = new KafkaMetrics(new Registry());
    const consumer = new EventConsumer(kafka, new EventProducer(kafka, logger, metrics), logger, {
      topic,
      groupId,
      fromBeginning: false,
      commitIntervalMs: 1000,
      metrics,
      handleBatch: async (events) => {
        handled.push(...events.map(({ event }) => event.eventId));
      },
    });
    await consumer.start();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const before = mailboxChange();
      await produce(topic.name, 0, [before]);
      await expect.poll(() => handled, { timeout: 30_000, interval: 100 }).toEqual([before.eventId]);

      expect(await consumer.pause()).toBe(true);
      expect(consumer.isPaused).toBe(true);
      expect(consumer.isRunning).toBe(true);
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]?.members).toEqual([]);
      // What was handled before the pause was committed as it left.
      expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '1', 1: '0' });

      const whilePaused = [mailboxChange(), mailboxChange()];
      await produce(topic.name, 0, whilePaused.slice(0, 1));
      await produce(topic.name, 1, whilePaused.slice(1));

      await consumer.resumeAtEnd();
      // Resolved with the position at the end of every partition, before the member has joined.
      expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '2', 1: '1' });
      expect(consumer.isPaused).toBe(false);
      const after = [mailboxChange(), mailboxChange()];
      await produce(topic.name, 0, after.slice(0, 1));
      await produce(topic.name, 1, after.slice(1));
      await expect
        .poll(() => [...handled].sort(), { timeout: 30_000, interval: 100 })
        .toEqual([before.eventId, ...after.map((event) => event.eventId)].sort());
      for (const event of whilePaused) expect(handled).not.toContain(event.eventId);
    } finally {
      await admin.disconnect();
      await consumer.stop();
    }
  }, 90_000);

  it('started paused, joins only at its first resume and reads from the end', async () => {
    const topic = await freshTopic();
    await produce(topic.name, 0, [mailboxChange()]);
    const groupId = `event-consumer-test-${randomBytes(6).toString('hex')}`;
    const handled: string[] = [];
    const metrics = new KafkaMetrics(new Registry());
    const consumer = new EventConsumer(kafka, new EventProducer(kafka, logger, metrics), logger, {
      topic,
      groupId,
      fromBeginning: false,
      startPaused: true,
      metrics,
      handleBatch: async (events) => {
        handled.push(...events.map(({ event }) => event.eventId));
      },
    });
    await consumer.start();
    try {
      expect(consumer.isPaused).toBe(true);
      expect(consumer.isRunning).toBe(true);
      // Never joined: the group holds nothing of it.
      expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '-1', 1: '-1' });
      await produce(topic.name, 1, [mailboxChange()]);

      await consumer.resumeAtEnd();
      expect(await committedOffsets(groupId, topic.name)).toEqual({ 0: '1', 1: '1' });
      const after = mailboxChange();
      await produce(topic.name, 0, [after]);
      await expect.poll(() => handled, { timeout: 30_000, interval: 100 }).toEqual([after.eventId]);
    } finally {
      await consumer.stop();
    }
  }, 60_000);

  it('stops cleanly without ever having joined', async () => {
    const topic = await freshTopic();
    const metrics = new KafkaMetrics(new Registry());
    const consumer = new EventConsumer(kafka, new EventProducer(kafka, logger, metrics), logger, {
      topic,
      groupId: `event-consumer-test-${randomBytes(6).toString('hex')}`,
      fromBeginning: false,
      startPaused: true,
      metrics,
      handleBatch: () => Promise.resolve(),
    });
    await consumer.start();
    await consumer.stop();
    expect(consumer.isRunning).toBe(false);
  }, 60_000);

  it('stops cleanly while paused', async () => {
    const topic = await freshTopic();
    const groupId = `event-consumer-test-${randomBytes(6).toString('hex')}`;
    const metrics = new KafkaMetrics(new Registry());
    const consumer = new EventConsumer(kafka, new EventProducer(kafka, logger, metrics), logger, {
      topic,
      groupId,
      fromBeginning: false,
      metrics,
      handleBatch: () => Promise.resolve(),
    });
    await consumer.start();
    expect(await consumer.pause()).toBe(true);
    expect(await consumer.pause()).toBe(false);
    await consumer.stop();
    expect(consumer.isRunning).toBe(false);
    // A stopped consumer is not followed again.
    await consumer.resumeAtEnd();
    expect(consumer.isPaused).toBe(true);
  }, 60_000);
});

import { randomUUID } from 'node:crypto';
import { encodeEvent, mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventConsumer } from '../kafka/event-consumer.js';
import { EventProducer } from '../kafka/event-producer.js';
import { KafkaMetrics } from './kafka-metrics.js';

const logger = pino({ level: 'silent' });
const topic = mailboxChangedTopic.name;

function change(): MailboxChangedV1 {
  return {
    eventId: randomUUID(),
    accountId: randomUUID(),
    state: '1',
    changed: { Email: '1' },
    cause: 'delivery',
    createdEmailIds: [],
    occurredAt: new Date().toISOString(),
  };
}

/** A Kafka client whose producer acknowledges (or fails) every send and whose consumer is driven by hand. */
function fakeKafka(options: { failSends?: boolean } = {}) {
  const listeners = new Map<string, (event: { payload: Record<string, unknown> }) => void>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const committed: string[] = [];
  const kafka = {
    producer: () => ({
      on: () => undefined,
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: async () => {
        if (options.failSends) throw new Error('broker unavailable');
        return [];
      },
    }),
    consumer: () => ({
      events: { CRASH: 'crash', GROUP_JOIN: 'group-join' },
      on: (name: string, listener: (event: { payload: Record<string, unknown> }) => void) =>
        listeners.set(name, listener),
      connect: async () => undefined,
      disconnect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
        eachBatch = config.eachBatch;
      },
      commitOffsets: async (offsets: { offset: string }[]) => {
        committed.push(...offsets.map((entry) => entry.offset));
      },
    }),
  } as unknown as Kafka;
  return {
    kafka,
    committed,
    async deliver(partition: number, highWatermark: string, messages: KafkaMessage[]): Promise<void> {
      await eachBatch!({
        batch: { topic, partition, highWatermark, messages },
        heartbeat: async () => undefined,
        isRunning: () => true,
        isStale: () => false,
        resolveOffset: () => undefined,
      } as unknown as EachBatchPayload);
    },
    joinGroup(assignment: Record<string, number[]>): void {
      listeners.get('group-join')!({ payload: { memberAssignment: assignment } });
    },
  };
}

function message(offset: number, value: Buffer): KafkaMessage {
  return { offset: String(offset), key: null, value, headers: {}, timestamp: '0', attributes: 0 };
}

const valid = (offset: number) => message(offset, encodeEvent(mailboxChangedTopic, change()).value);

async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((value) =>
    Object.entries(labels).every(([label, expected]) => String(value.labels[label]) === expected),
  );
  return found?.value;
}

function consumerOn(kafka: Kafka, metrics: KafkaMetrics, handled: MailboxChangedV1[] = []) {
  const deadLetters = new EventProducer(kafka, logger, metrics);
  return new EventConsumer(kafka, deadLetters, logger, {
    topic: mailboxChangedTopic,
    groupId: 'metrics-test',
    fromBeginning: true,
    metrics,
    handleBatch: async (events) => {
      handled.push(...events.map((item) => item.event));
    },
  });
}

describe(KafkaMetrics.name, () => {
  it('counts the events the broker acknowledged and those whose publish failed, per topic', async () => {
    const registry = new Registry();
    const metrics = new KafkaMetrics(registry);
    await new EventProducer(fakeKafka().kafka, logger, metrics).publish(mailboxChangedTopic, [
      change(),
      change(),
    ]);
    const failing = new EventProducer(fakeKafka({ failSends: true }).kafka, logger, metrics);
    await expect(failing.publish(mailboxChangedTopic, [change()])).rejects.toThrow('broker unavailable');

    expect(await sample(registry, 'pushmail_kafka_events_produced_total', { topic })).toBe(2);
    expect(await sample(registry, 'pushmail_kafka_events_produce_failed_total', { topic })).toBe(1);
  });

  it('shows the series of a consumer at zero before its first event', async () => {
    const registry = new Registry();
    consumerOn(fakeKafka().kafka, new KafkaMetrics(registry));

    expect(await sample(registry, 'pushmail_kafka_events_consumed_total', { topic })).toBe(0);
    expect(
      await sample(registry, 'pushmail_kafka_events_dead_lettered_total', { topic, reason: 'invalid' }),
    ).toBe(0);
    expect(
      await sample(registry, 'pushmail_kafka_events_dead_lettered_total', { topic, reason: 'rejected' }),
    ).toBe(0);
  });

  it('counts consumed events once committed and reports the lag left behind them on the partition', async () => {
    const registry = new Registry();
    const fake = fakeKafka();
    const handled: MailboxChangedV1[] = [];
    await consumerOn(fake.kafka, new KafkaMetrics(registry), handled).start();

    await fake.deliver(2, '10', [valid(4), valid(5), valid(6)]);

    expect(handled).toHaveLength(3);
    expect(fake.committed).toEqual(['7']);
    expect(await sample(registry, 'pushmail_kafka_events_consumed_total', { topic })).toBe(3);
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '2' })).toBe(3);
  });

  it('counts an event that fails validation as consumed and dead-lettered as invalid', async () => {
    const registry = new Registry();
    const fake = fakeKafka();
    await consumerOn(fake.kafka, new KafkaMetrics(registry)).start();

    await fake.deliver(0, '2', [valid(0), message(1, Buffer.from('{"not":"an event"}'))]);

    expect(
      await sample(registry, 'pushmail_kafka_events_dead_lettered_total', { topic, reason: 'invalid' }),
    ).toBe(1);
    expect(await sample(registry, 'pushmail_kafka_events_consumed_total', { topic })).toBe(2);
    expect(
      await sample(registry, 'pushmail_kafka_events_produced_total', { topic: 'pushmail.dead-letter.v1' }),
    ).toBe(1);
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '0' })).toBe(0);
  });

  it('stops reporting the lag of a partition that a rebalance gave to another member', async () => {
    const registry = new Registry();
    const fake = fakeKafka();
    const consumer = consumerOn(fake.kafka, new KafkaMetrics(registry));
    await consumer.start();
    await fake.deliver(0, '1', [valid(0)]);
    await fake.deliver(1, '1', [valid(0)]);

    fake.joinGroup({ [topic]: [1] });

    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '0' })).toBeUndefined();
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '1' })).toBe(0);
    await consumer.stop();
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '1' })).toBeUndefined();
  });
});

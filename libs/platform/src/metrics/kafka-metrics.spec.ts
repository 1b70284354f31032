import { encodeEvent, mailboxChangedTopic, type MailboxChangedV1 } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventConsumer } from '../kafka/event-consumer.js';
import { EventProducer } from '../kafka/event-producer.js';
import { fakeKafka, kafkaMessage, mailboxChange as change } from '../kafka/fake-kafka.js';
import { KafkaMetrics } from './kafka-metrics.js';

const logger = pino({ level: 'silent' });
const topic = mailboxChangedTopic.name;

const valid = (offset: number) => kafkaMessage(offset, encodeEvent(mailboxChangedTopic, change()).value);

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

    await fake.deliver(topic, 2, '10', [valid(4), valid(5), valid(6)]);

    expect(handled).toHaveLength(3);
    expect(fake.committed).toEqual(['7']);
    expect(await sample(registry, 'pushmail_kafka_events_consumed_total', { topic })).toBe(3);
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '2' })).toBe(3);
  });

  it('counts an event that fails validation as consumed and dead-lettered as invalid', async () => {
    const registry = new Registry();
    const fake = fakeKafka();
    await consumerOn(fake.kafka, new KafkaMetrics(registry)).start();

    await fake.deliver(topic, 0, '2', [valid(0), kafkaMessage(1, Buffer.from('{"not":"an event"}'))]);

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
    await fake.deliver(topic, 0, '1', [valid(0)]);
    await fake.deliver(topic, 1, '1', [valid(0)]);

    fake.joinGroup({ [topic]: [1] });

    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '0' })).toBeUndefined();
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '1' })).toBe(0);
    await consumer.stop();
    expect(await sample(registry, 'pushmail_kafka_consumer_lag', { topic, partition: '1' })).toBeUndefined();
  });
});

import { deviceEventTopic, mailboxChangedTopic } from '@pushmail/contracts';
import kafkajs, { type Kafka, type ProducerBatch, type RecordMetadata } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventProducer } from './event-producer.js';
import { mailboxChange as change } from './fake-kafka.js';

/** A producer whose requests complete only when the test says so. */
function fakeKafka() {
  const requests: { batch: ProducerBatch; settle: (error?: Error) => void }[] = [];
  const producer = {
    on: () => undefined,
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: (batch: ProducerBatch) =>
      new Promise<RecordMetadata[]>((resolve, reject) => {
        requests.push({
          batch,
          settle: (error) =>
            error
              ? reject(error)
              : resolve(
                  (batch.topicMessages ?? []).map((entry) => ({
                    topicName: entry.topic,
                    partition: 0,
                    errorCode: 0,
                  })),
                ),
        });
      }),
  };
  const kafka = { producer: () => producer } as unknown as Kafka;
  return { kafka, requests };
}

const acc = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

const keysOf = (request: { batch: ProducerBatch }, topic: string) =>
  request.batch.topicMessages
    ?.find((entry) => entry.topic === topic)
    ?.messages.map((message) => message.key) ?? [];

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(EventProducer.name, () => {
  it('is an idempotent producer that never gives up on a batch, so kafkajs keeps its sequence numbers sound', () => {
    const warnings: string[] = [];
    const kafka = new kafkajs.Kafka({
      brokers: ['127.0.0.1:1'],
      logLevel: kafkajs.logLevel.WARN,
      logCreator: () => (entry) => warnings.push(entry.log.message),
    });
    const made: Array<Parameters<Kafka['producer']>[0]> = [];
    const recording = {
      producer: (config: Parameters<Kafka['producer']>[0]) => {
        made.push(config);
        return kafka.producer(config);
      },
    } as unknown as Kafka;
    new EventProducer(recording, pino({ level: 'silent' }));
    expect(made[0]).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
    expect(made[0]?.retry?.retries).toBe(Number.MAX_SAFE_INTEGER);
    expect(warnings.filter((message) => /retries|idempotent/i.test(message))).toEqual([]);
  });

  it('sends a lone publish at once and gathers those that arrive meanwhile into the next request, in order', async () => {
    const { kafka, requests } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));

    const first = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    expect(requests).toHaveLength(1);

    const waiting = [
      producer.publish(mailboxChangedTopic, [change(acc(2)), change(acc(3))]),
      producer.publish(mailboxChangedTopic, [change(acc(4))]),
    ];
    await tick();
    expect(requests).toHaveLength(1);

    requests[0]!.settle();
    await first;
    await tick();
    expect(requests).toHaveLength(2);
    expect(keysOf(requests[1]!, mailboxChangedTopic.name)).toEqual([acc(2), acc(3), acc(4)]);

    requests[1]!.settle();
    await expect(Promise.all(waiting)).resolves.toHaveLength(2);
  });

  it('groups gathered events by topic and answers each caller with its own topic only', async () => {
    const { kafka, requests } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    const first = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    const changes = producer.publish(mailboxChangedTopic, [change(acc(2))]);
    const raw = producer.publishRaw(deviceEventTopic.name, {
      key: acc(9),
      value: Buffer.from('{}'),
      headers: {},
    });
    requests[0]!.settle();
    await first;
    await tick();

    expect(requests[1]!.batch.topicMessages?.map((entry) => entry.topic)).toEqual([
      mailboxChangedTopic.name,
      deviceEventTopic.name,
    ]);
    requests[1]!.settle();
    expect((await changes).map((entry) => entry.topicName)).toEqual([mailboxChangedTopic.name]);
    await expect(raw).resolves.toBeUndefined();
  });

  it('fails every caller of a request that fails, and goes on with the next', async () => {
    const { kafka, requests } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    const first = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    const gathered = [
      producer.publish(mailboxChangedTopic, [change(acc(2))]),
      producer.publish(mailboxChangedTopic, [change(acc(3))]),
    ];
    requests[0]!.settle();
    await first;
    await tick();
    const later = producer.publish(mailboxChangedTopic, [change(acc(4))]);
    requests[1]!.settle(new Error('broker gone'));

    for (const publish of gathered) await expect(publish).rejects.toThrow('broker gone');
    await tick();
    expect(keysOf(requests[2]!, mailboxChangedTopic.name)).toEqual([acc(4)]);
    requests[2]!.settle();
    await expect(later).resolves.toHaveLength(1);
  });

  it('keeps a request under the byte bound without splitting one caller’s events', async () => {
    const { kafka, requests } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }), undefined, {
      maxGatheredBytes: 600,
    });
    const first = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    // Each encoded change is about 200 bytes: three fit, the fourth caller's two do not.
    const waiting = [
      producer.publish(mailboxChangedTopic, [change(acc(2))]),
      producer.publish(mailboxChangedTopic, [change(acc(3))]),
      producer.publish(mailboxChangedTopic, [change(acc(4)), change(acc(5))]),
    ];
    requests[0]!.settle();
    await first;
    await tick();
    expect(keysOf(requests[1]!, mailboxChangedTopic.name)).toEqual([acc(2), acc(3)]);
    requests[1]!.settle();
    await tick();
    await tick();
    expect(keysOf(requests[2]!, mailboxChangedTopic.name)).toEqual([acc(4), acc(5)]);
    requests[2]!.settle();
    await expect(Promise.all(waiting)).resolves.toHaveLength(3);
  });
});

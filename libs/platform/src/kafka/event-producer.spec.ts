import { createRequire } from 'node:module';
import {
  deviceEventTopic,
  mailboxChangedTopic,
  mailDeliveryStatusTopic,
  type MailDeliveryStatusV1,
} from '@pushmail/contracts';
import kafkajs, {
  type Kafka,
  type PartitionerArgs,
  type ProducerBatch,
  type ProducerConfig,
  type RecordMetadata,
} from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { endsProducerSession, EventProducer } from './event-producer.js';
import { mailboxChange as change, ONE_PARTITION } from './fake-kafka.js';

/**
 * A producer whose requests complete only when the test says so. It picks partitions with the
 * partitioner the EventProducer gives it, as kafkajs does.
 */
function fakeKafka() {
  const requests: { batch: ProducerBatch; settle: (error?: Error) => void }[] = [];
  let partitioner: ((args: PartitionerArgs) => number) | undefined;
  const sessions = { started: 0, ended: 0 };
  const producer = {
    on: () => undefined,
    connect: async () => undefined,
    disconnect: async () => {
      sessions.ended += 1;
    },
    sendBatch: (batch: ProducerBatch) =>
      new Promise<RecordMetadata[]>((resolve, reject) => {
        for (const { topic, messages } of batch.topicMessages ?? [])
          for (const message of messages) partitioner?.({ topic, partitionMetadata: ONE_PARTITION, message });
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
  const kafka = {
    producer: (config?: ProducerConfig) => {
      sessions.started += 1;
      partitioner = config?.createPartitioner?.();
      return producer;
    },
  } as unknown as Kafka;
  return { kafka, requests, sessions };
}

/**
 * kafkajs's own send path (`sendMessages`, its retry and its sequence bookkeeping) over a cluster of
 * two brokers held in memory: partitions 0 and 1 led by broker 1, partition 2 by broker 2 until
 * broker 2 refuses its first request with NOT_LEADER_OR_FOLLOWER and leadership of partition 2 moves
 * to broker 1, as in a rolling restart.
 */
function leaderMovingKafka() {
  const require = createRequire(import.meta.url);
  const createSendMessages = require('kafkajs/src/producer/sendMessages.js') as (
    options: unknown,
  ) => (request: unknown) => Promise<RecordMetadata[]>;
  const createRetry = require('kafkajs/src/retry/index.js') as (options: unknown) => unknown;
  const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
    createErrorFromCode: (code: number) => Error;
  };
  let leaders: Record<number, number> = { 0: 1, 1: 1, 2: 2 };
  const written: Array<{ partition: number; key: string; firstSequence: number }> = [];
  interface ProduceRequest {
    topicData: Array<{
      topic: string;
      partitions: Array<{ partition: number; firstSequence: number; messages: Array<{ key: string }> }>;
    }>;
  }
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({ topicData }: ProduceRequest) => {
      if (nodeId === 2 && leaders[2] === 2) {
        leaders = { 0: 1, 1: 1, 2: 1 };
        throw createErrorFromCode(6);
      }
      for (const { partitions } of topicData)
        for (const { partition, firstSequence, messages } of partitions)
          for (const message of messages) written.push({ partition, key: message.key, firstSequence });
      return {
        topics: topicData.map(({ topic, partitions }) => ({
          topicName: topic,
          partitions: partitions.map(({ partition }) => ({ partition, errorCode: 0, baseOffset: '0' })),
        })),
      };
    },
  });
  const brokers: Record<number, ReturnType<typeof broker>> = { 1: broker(1), 2: broker(2) };
  const cluster = {
    isConnected: () => true,
    refreshMetadata: async () => undefined,
    refreshMetadataIfNecessary: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    findTopicPartitionMetadata: () =>
      [0, 1, 2].map((partitionId) => ({
        partitionId,
        leader: leaders[partitionId],
        replicas: [1, 2],
        isr: [1, 2],
        partitionErrorCode: 0,
      })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const byLeader: Record<number, number[]> = {};
      for (const partition of partitions.map(Number)) (byLeader[leaders[partition]!] ??= []).push(partition);
      return byLeader;
    },
    findBroker: async ({ nodeId }: { nodeId: number }) => brokers[nodeId],
  };
  const sequences = new Map<number, number>();
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
    getSequence: (_topic: string, partition: number) => sequences.get(partition) ?? 0,
    updateSequence: (_topic: string, partition: number, increment: number) =>
      sequences.set(partition, (sequences.get(partition) ?? 0) + increment),
  };
  const silent = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const sendWith = (partitioner: (args: PartitionerArgs) => number) =>
    createSendMessages({
      logger: silent,
      cluster,
      partitioner,
      eosManager,
      retrier: createRetry({ initialRetryTime: 1, maxRetryTime: 5, retries: 5 }),
    });
  const kafka = {
    producer: (config?: ProducerConfig) => {
      const send = sendWith(config!.createPartitioner!());
      return {
        on: () => undefined,
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: (batch: ProducerBatch) => send({ acks: -1, topicMessages: batch.topicMessages }),
      };
    },
  } as unknown as Kafka;
  return { kafka, written, sendWith };
}

const acc = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

const keysOf = (request: { batch: ProducerBatch }, topic: string) =>
  request.batch.topicMessages
    ?.find((entry) => entry.topic === topic)
    ?.messages.map((message) => message.key) ?? [];

const tick = () => new Promise((resolve) => setImmediate(resolve));

const status = (accountId: string): MailDeliveryStatusV1 => ({
  eventId: '6f1c2b1e-0000-4000-8000-000000000001',
  accountId,
  submissionId: 'S1',
  recipient: 'bob@elsewhere.example',
  delivered: 'yes',
  smtpReply: '250 2.0.0 ok',
  attempts: 1,
  occurredAt: '2026-12-06T12:00:00.000Z',
});

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

  it('sends the events of several topics as one publish in one request, in order per topic, with the headers', async () => {
    const { kafka, requests } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }), undefined, {
      maxGatheredBytes: 100,
    });
    const published = producer.publishAll(
      [
        { topic: mailboxChangedTopic, event: change(acc(1)) },
        { topic: mailDeliveryStatusTopic, event: status(acc(2)) },
        { topic: mailboxChangedTopic, event: change(acc(3)) },
        { topic: mailDeliveryStatusTopic, event: status(acc(4)) },
      ],
      { origin: 'mta-1' },
    );
    await tick();
    // One caller's events are never split, not even beyond the byte bound.
    expect(requests).toHaveLength(1);
    expect(requests[0]!.batch.topicMessages?.map((entry) => entry.topic)).toEqual([
      mailboxChangedTopic.name,
      mailDeliveryStatusTopic.name,
    ]);
    expect(keysOf(requests[0]!, mailboxChangedTopic.name)).toEqual([acc(1), acc(3)]);
    expect(keysOf(requests[0]!, mailDeliveryStatusTopic.name)).toEqual([acc(2), acc(4)]);
    for (const entry of requests[0]!.batch.topicMessages ?? [])
      for (const message of entry.messages) expect(message.headers).toMatchObject({ origin: 'mta-1' });
    requests[0]!.settle();
    expect((await published).map((entry) => entry.topicName).sort()).toEqual(
      [mailboxChangedTopic.name, mailDeliveryStatusTopic.name].sort(),
    );
  });

  it('fails a publish of several topics as a whole, and refuses an invalid event before sending anything', async () => {
    const { kafka, requests } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    await expect(
      producer.publishAll([
        { topic: mailboxChangedTopic, event: change(acc(1)) },
        { topic: mailDeliveryStatusTopic, event: { ...status(acc(2)), delivered: 'maybe' } },
      ]),
    ).rejects.toThrow(/delivered/);
    expect(requests).toHaveLength(0);
    const published = producer.publishAll([
      { topic: mailboxChangedTopic, event: change(acc(1)) },
      { topic: mailDeliveryStatusTopic, event: status(acc(2)) },
    ]);
    await tick();
    requests[0]!.settle(new Error('broker gone'));
    await expect(published).rejects.toThrow('broker gone');
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

  it('starts a new idempotent session after an error that ends it, and sends the callers’ retry with it', async () => {
    const { kafka, requests, sessions } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      createErrorFromCode: (code: number) => Error;
    };
    // As kafkajs's retry hands it over: the broker's error as the cause of a non-retriable one.
    const protocolError = createErrorFromCode(45);
    const outOfOrder = Object.assign(new kafkajs.KafkaJSNonRetriableError(protocolError), {
      cause: protocolError,
    });
    expect(endsProducerSession(outOfOrder)).toBe(true);
    expect(endsProducerSession(new Error('broker gone'))).toBe(false);

    const failed = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    requests[0]!.settle(outOfOrder);
    await expect(failed).rejects.toThrow(/sequence number/);
    await tick();
    expect(sessions).toEqual({ started: 2, ended: 1 });

    const retried = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    requests[1]!.settle();
    await expect(retried).resolves.toHaveLength(1);
  });

  it('keeps its session after an error that does not end it', async () => {
    const { kafka, requests, sessions } = fakeKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    const failed = producer.publish(mailboxChangedTopic, [change(acc(1))]);
    await tick();
    requests[0]!.settle(new Error('broker gone'));
    await expect(failed).rejects.toThrow('broker gone');
    await tick();
    expect(sessions).toEqual({ started: 1, ended: 0 });
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
  it('sends again the messages of a partition that kafkajs answered success for without sending, when its leader moved', async () => {
    const events = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => change(acc(n)));
    const byKey = kafkajs.Partitioners.DefaultPartitioner();
    const partitionOf = (key: string) =>
      byKey({
        topic: mailboxChangedTopic.name,
        partitionMetadata: [0, 1, 2].map((partitionId) => ({
          partitionId,
          leader: 1,
          replicas: [1],
          isr: [1],
          partitionErrorCode: 0,
        })),
        message: { key, value: null },
      });
    expect(new Set(events.map((event) => partitionOf(event.accountId)))).toEqual(new Set([0, 1, 2]));

    // What kafkajs alone does: success, with partition 2's messages never written anywhere.
    const bare = leaderMovingKafka();
    const answer = await bare.sendWith((args) => partitionOf(String(args.message.key)))({
      acks: -1,
      topicMessages: [
        {
          topic: mailboxChangedTopic.name,
          messages: events.map((event) => ({ key: event.accountId, value: 'x' })),
        },
      ],
    });
    expect(answer.map((entry) => entry.partition).sort()).toEqual([0, 1]);
    expect(bare.written.some((entry) => entry.partition === 2)).toBe(false);

    // Through the EventProducer, every event is written, in order, and the caller hears of all three partitions.
    const { kafka, written } = leaderMovingKafka();
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    const metadata = await producer.publish(mailboxChangedTopic, events);
    expect(metadata.map((entry) => entry.partition).sort()).toEqual([0, 1, 2]);
    expect(written.map((entry) => entry.key).sort()).toEqual(events.map((event) => event.accountId).sort());
    const partitionTwo = written.filter((entry) => entry.partition === 2);
    expect(partitionTwo.map((entry) => entry.key)).toEqual(
      events.map((event) => event.accountId).filter((key) => partitionOf(key) === 2),
    );
    // The refused request gave its sequence numbers back: the copy sent again starts where it did.
    expect(partitionTwo[0]?.firstSequence).toBe(0);
  });

  it('fails the callers instead of answering success when a partition stays unacknowledged', async () => {
    const requests: ProducerBatch[] = [];
    let partitioner: ((args: PartitionerArgs) => number) | undefined;
    const kafka = {
      producer: (config?: ProducerConfig) => {
        partitioner = config?.createPartitioner?.();
        return {
          on: () => undefined,
          connect: async () => undefined,
          disconnect: async () => undefined,
          // Answers for partition 1 while the partitioner put every message in partition 0.
          sendBatch: async (batch: ProducerBatch) => {
            requests.push(batch);
            for (const { topic, messages } of batch.topicMessages ?? [])
              for (const message of messages)
                partitioner?.({ topic, partitionMetadata: ONE_PARTITION, message });
            return [{ topicName: mailboxChangedTopic.name, partition: 1, errorCode: 0 }];
          },
        };
      },
    } as unknown as Kafka;
    const producer = new EventProducer(kafka, pino({ level: 'silent' }));
    await expect(producer.publish(mailboxChangedTopic, [change(acc(1))])).rejects.toThrow(
      `Kafka acknowledged no write for partitions ${mailboxChangedTopic.name}/0`,
    );
    expect(requests).toHaveLength(5);
  });
});

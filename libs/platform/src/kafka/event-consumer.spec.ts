import { randomUUID } from 'node:crypto';
import {
  deadLetterTopic,
  encodeEvent,
  mailboxChangedTopic,
  type DeadLetterV1,
  type MailboxChangedV1,
} from '@pushmail/contracts';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { KafkaMetrics } from '../metrics/kafka-metrics.js';
import {
  type ConsumedEvent,
  EventConsumer,
  type EventConsumerOptions,
  PoisonEventError,
} from './event-consumer.js';
import { EventProducer } from './event-producer.js';
import { fakeKafka, kafkaMessage, mailboxChange as change } from './fake-kafka.js';

const logger = pino({ level: 'silent' });
const topic = mailboxChangedTopic.name;
type Handler = EventConsumerOptions<typeof mailboxChangedTopic.schema>['handleBatch'];

const valid = (offset: number, accountId?: string) =>
  kafkaMessage(offset, encodeEvent(mailboxChangedTopic, change(accountId)).value);

async function started(
  handleBatch: Handler,
  options: {
    isolateAfterAttempts?: number;
    stallAfterMs?: number;
    batchStepStallAfterMs?: number;
    commitIntervalMs?: number;
    /** Leaves `start` to the test, which also stops the consumer. */
    start?: boolean;
  } = {},
) {
  const { start = true, ...consumerOptions } = options;
  const fake = fakeKafka();
  const metrics = new KafkaMetrics(new Registry());
  const consumer = new EventConsumer(fake.kafka, new EventProducer(fake.kafka, logger, metrics), logger, {
    topic: mailboxChangedTopic,
    groupId: 'consumer-spec',
    fromBeginning: true,
    metrics,
    handleBatch,
    ...consumerOptions,
  });
  if (start) {
    await consumer.start();
    onTestFinished(() => consumer.stop());
  }
  const deadLetters = (): DeadLetterV1[] =>
    fake.sent
      .filter((request) => request.topic === deadLetterTopic.name)
      .flatMap((request) =>
        request.messages.map((message) => JSON.parse(String(message.value)) as DeadLetterV1),
      );
  return { fake, consumer, deadLetters, metrics };
}

const accountsOf = (events: ConsumedEvent<MailboxChangedV1>[]) => events.map((item) => item.event.accountId);

describe(EventConsumer.name, () => {
  it('commits a batch’s offsets only once its handler resolved', async () => {
    let finish!: () => void;
    const { fake } = await started(() => new Promise<void>((resolve) => (finish = resolve)));

    const delivery = fake.deliver(topic, 3, '12', [valid(10), valid(11)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.committed).toEqual([]);
    finish();
    await delivery;

    expect(fake.committed).toEqual(['12']);
    expect(fake.resolved).toEqual(['11']);
  });

  it('retries the same batch after a transient failure and commits once it succeeds', async () => {
    const tries: string[][] = [];
    const attempts: number[] = [];
    const { fake, deadLetters } = await started(async (events, attempt) => {
      tries.push(accountsOf(events));
      attempts.push(attempt);
      if (attempt < 3) throw new Error('database restarting');
    });
    const first = randomUUID();
    const second = randomUUID();

    await fake.deliver(topic, 0, '2', [valid(0, first), valid(1, second)]);

    expect(tries).toEqual([
      [first, second],
      [first, second],
      [first, second],
    ]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(fake.committed).toEqual(['2']);
    expect(deadLetters()).toEqual([]);
  });

  it('dead-letters a message that fails the schema with its original bytes, and hands on the rest', async () => {
    const handled: string[] = [];
    const { fake, deadLetters } = await started(async (events) => {
      handled.push(...accountsOf(events));
    });
    const account = randomUUID();
    const garbage = Buffer.from('{"not":"an event"}');

    await fake.deliver(topic, 1, '3', [valid(0, account), kafkaMessage(1, garbage), valid(2, account)]);

    expect(handled).toEqual([account, account]);
    const [letter, ...others] = deadLetters();
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      sourceTopic: topic,
      partition: 1,
      offset: '1',
      consumerGroup: 'consumer-spec',
      valueBase64: garbage.toString('base64'),
    });
    expect(letter!.reason).toContain(topic);
    expect(fake.committed).toEqual(['3']);
  });

  it('isolates a poison event: the others are handled one by one, only it is dead-lettered', async () => {
    const poison = randomUUID();
    const good = [randomUUID(), randomUUID()];
    const handledAlone: string[] = [];
    const { fake, deadLetters } = await started(async (events) => {
      if (accountsOf(events).includes(poison)) throw new PoisonEventError('cannot be stored');
      if (events.length === 1) handledAlone.push(...accountsOf(events));
    });
    const original = valid(5, poison);

    await fake.deliver(topic, 2, '8', [valid(4, good[0]), original, valid(6, good[1])]);

    expect(handledAlone).toEqual(good);
    expect(deadLetters()).toEqual([
      expect.objectContaining({
        offset: '5',
        reason: 'cannot be stored',
        valueBase64: original.value!.toString('base64'),
      }),
    ]);
    expect(fake.committed).toEqual(['7']);
  });

  it('handles a batch that keeps failing one event at a time after the configured tries', async () => {
    const sizes: number[] = [];
    const { fake } = await started(
      async (events) => {
        sizes.push(events.length);
        if (events.length > 1) throw new Error('fails as a batch');
      },
      { isolateAfterAttempts: 2 },
    );

    await fake.deliver(topic, 0, '2', [valid(0), valid(1)]);

    expect(sizes).toEqual([2, 2, 1, 1]);
    expect(fake.committed).toEqual(['2']);
  });

  it('stops retrying and commits nothing once a rebalance took the partition away', async () => {
    let tries = 0;
    const { fake, deadLetters } = await started(async () => {
      tries += 1;
      fake.ownership.stale = true;
      throw new Error('database restarting');
    });

    await fake.deliver(topic, 4, '1', [valid(0)]);

    expect(tries).toBe(1);
    expect(fake.committed).toEqual([]);
    expect(fake.resolved).toEqual([]);
    expect(deadLetters()).toEqual([]);
  });

  it('hands nothing on once the consumer stops, leaving the batch to the next owner', async () => {
    let tries = 0;
    const { fake } = await started(async () => {
      tries += 1;
    });
    fake.ownership.running = false;

    await fake.deliver(topic, 0, '1', [valid(0)]);

    expect(tries).toBe(0);
    expect(fake.committed).toEqual([]);
  });

  it('commits after every batch even when the wall clock steps back between two', async () => {
    const { fake } = await started(async () => undefined);
    await fake.deliver(topic, 0, '1', [valid(0)]);
    vi.setSystemTime(Date.now() - 3_600_000);
    onTestFinished(() => {
      vi.useRealTimers();
    });
    await fake.deliver(topic, 0, '2', [valid(1)]);

    expect(fake.committed).toEqual(['1', '2']);
  });

  describe('with commitIntervalMs', () => {
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

    it('commits the first batch at once and the later ones together, once the interval has passed', async () => {
      const { fake } = await started(async () => undefined, { commitIntervalMs: 150 });

      await fake.deliver(topic, 0, '1', [valid(0)]);
      await fake.deliver(topic, 1, '5', [valid(4)]);
      await fake.deliver(topic, 0, '3', [valid(1), valid(2)]);

      expect(fake.commitRequests).toEqual([[{ partition: 0, offset: '1' }]]);
      expect(fake.resolved).toEqual(['0', '4', '2']);

      await pause(250);

      expect(fake.commitRequests).toEqual([
        [{ partition: 0, offset: '1' }],
        [
          { partition: 1, offset: '5' },
          { partition: 0, offset: '3' },
        ],
      ]);
    });

    it('commits nothing of a batch whose handler has not resolved', async () => {
      let finish!: () => void;
      const { fake } = await started(() => new Promise<void>((resolve) => (finish = resolve)), {
        commitIntervalMs: 50,
      });

      const delivery = fake.deliver(topic, 0, '1', [valid(0)]);
      await pause(120);
      expect(fake.committed).toEqual([]);
      finish();
      await delivery;

      expect(fake.committed).toEqual(['1']);
    });

    it('commits what it handled when it stops, before the interval has passed', async () => {
      const { fake, consumer } = await started(async () => undefined, { commitIntervalMs: 60_000 });

      await fake.deliver(topic, 0, '1', [valid(0)]);
      await fake.deliver(topic, 0, '2', [valid(1)]);
      expect(fake.committed).toEqual(['1']);

      await consumer.stop();

      expect(fake.committed).toEqual(['1', '2']);
    });

    it('commits a batch that ends while it stops as soon as the batch ends', async () => {
      let finish!: () => void;
      let calls = 0;
      const { fake, consumer } = await started(
        () => (++calls === 1 ? Promise.resolve() : new Promise<void>((resolve) => (finish = resolve))),
        { commitIntervalMs: 60_000 },
      );

      await fake.deliver(topic, 0, '1', [valid(0)]);
      const inHand = fake.deliver(topic, 0, '2', [valid(1)]);
      await consumer.stop();
      expect(fake.committed).toEqual(['1']);
      finish();
      await inHand;

      expect(fake.committed).toEqual(['1', '2']);
    });

    it('forgets what is pending when it joins the group again: the partition is read from its committed offset', async () => {
      const { fake, consumer } = await started(async () => undefined, { commitIntervalMs: 60_000 });

      await fake.deliver(topic, 0, '1', [valid(0)]);
      await fake.deliver(topic, 0, '2', [valid(1)]);
      fake.joinGroup({ [topic]: [0] });
      await consumer.stop();

      expect(fake.committed).toEqual(['1']);
    });
  });

  describe('a consumer that stops without saying so', () => {
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const replacedCount = async (metrics: KafkaMetrics) =>
      (await metrics.consumersReplaced.get()).values.find((value) => value.labels.topic === topic)?.value;

    it('is replaced by a new consumer of the same group once it has not fetched for stallAfterMs', async () => {
      const { fake, metrics } = await started(async () => undefined, { stallAfterMs: 60 });

      await pause(150);

      expect(fake.groupIds.length).toBeGreaterThanOrEqual(2);
      expect(new Set(fake.groupIds)).toEqual(new Set(['consumer-spec']));
      expect(await replacedCount(metrics)).toBeGreaterThanOrEqual(1);
    });

    it('is left alone while it keeps fetching', async () => {
      const { fake, metrics } = await started(async () => undefined, { stallAfterMs: 60 });
      const fetching = setInterval(() => fake.fetchStarts(), 10);
      onTestFinished(() => clearInterval(fetching));

      await pause(200);

      expect(fake.groupIds).toEqual(['consumer-spec']);
      expect(await replacedCount(metrics)).toBe(0);
    });

    it('is not replaced while a batch takes longer than stallAfterMs to handle', async () => {
      const { fake } = await started(() => pause(200), { stallAfterMs: 60, batchStepStallAfterMs: 5000 });

      await fake.deliver(topic, 0, '1', [valid(0)]);

      expect(fake.groupIds).toEqual(['consumer-spec']);
      expect(fake.committed).toEqual(['1']);
    });

    it('is replaced when a step of a batch in hand never settles, and the batch is handled again', async () => {
      let calls = 0;
      const { fake, metrics } = await started(
        // The first try waits for an answer that never comes, as on a connection whose reply was lost.
        () => (calls++ === 0 ? new Promise<void>(() => undefined) : Promise.resolve()),
        { stallAfterMs: 60_000, batchStepStallAfterMs: 60 },
      );

      void fake.deliver(topic, 0, '1', [valid(0)]);
      await pause(200);

      expect(fake.groupIds).toEqual(['consumer-spec', 'consumer-spec']);
      expect(await replacedCount(metrics)).toBe(1);
      expect(fake.committed).toEqual([]);
      // The partition's next owner (here the replacement) gets the batch again and commits it.
      await fake.deliver(topic, 0, '1', [valid(0)]);
      expect(fake.committed).toEqual(['1']);
    });

    it('commits nothing for a batch whose step settles after its consumer was replaced', async () => {
      let release!: () => void;
      const { fake } = await started(() => new Promise<void>((resolve) => (release = resolve)), {
        stallAfterMs: 60_000,
        batchStepStallAfterMs: 60,
      });

      const late = fake.deliver(topic, 0, '1', [valid(0)]);
      await pause(200);
      expect(fake.groupIds).toEqual(['consumer-spec', 'consumer-spec']);
      release();
      await late;

      expect(fake.committed).toEqual([]);
      expect(fake.resolved).toEqual([]);
    });

    it('is not restarted by kafkajs after a crash once it was replaced, while its replacement is', async () => {
      const { fake, metrics } = await started(async () => undefined, { stallAfterMs: 60 });

      await pause(150);
      expect(await replacedCount(metrics)).toBeGreaterThanOrEqual(1);

      const [replaced, ...later] = fake.consumerConfigs;
      const current = later[later.length - 1]!;
      const crash = new Error('Request SyncGroup(key: 14, version: 3) timed out');
      // kafkajs asks this after a retriable crash, before it schedules the restart.
      expect(await replaced!.retry!.restartOnFailure!(crash)).toBe(false);
      expect(await current.retry!.restartOnFailure!(crash)).toBe(true);
    });

    it('is replaced at once when kafkajs stops it after an error it does not restart from', async () => {
      const { fake, metrics } = await started(async () => undefined, { stallAfterMs: 60_000 });

      fake.crash(new Error('an error kafkajs does not retry'), false);
      await pause(20);

      expect(fake.groupIds).toEqual(['consumer-spec', 'consumer-spec']);
      expect(await replacedCount(metrics)).toBe(1);
    });

    it('is restarted by kafkajs after a retriable crash in its first join, before start has returned', async () => {
      const { fake, consumer } = await started(async () => undefined, { start: false });
      const crash = new Error("The coordinator is loading and hence can't process requests for this group");
      // kafkajs asks this from inside `consumer.run`, whose join failed, before `start` returns.
      expect(await fake.consumerConfigs[0]!.retry!.restartOnFailure!(crash)).toBe(true);
      await consumer.start();
      await consumer.stop();
      expect(await fake.consumerConfigs[0]!.retry!.restartOnFailure!(crash)).toBe(false);
    });

    it('is left to kafkajs when kafkajs restarts it', async () => {
      const { fake } = await started(async () => undefined, { stallAfterMs: 60_000 });

      fake.crash(new Error("The coordinator is loading and hence can't process requests"), true);
      await pause(20);

      expect(fake.groupIds).toEqual(['consumer-spec']);
    });
  });
});

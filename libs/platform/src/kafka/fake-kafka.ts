import { randomUUID } from 'node:crypto';
import type { MailboxChangedV1 } from '@pushmail/contracts';
import type {
  ConsumerConfig,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  PartitionMetadata,
  ProducerConfig,
  RecordMetadata,
  TopicMessages,
} from 'kafkajs';

/** One partition led by broker 0: every key goes to partition 0. */
export const ONE_PARTITION: PartitionMetadata[] = [
  { partitionId: 0, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 },
];

/**
 * For unit specs: a Kafka client whose producer acknowledges (or fails) every send and records it,
 * and whose consumer is driven by hand, one batch at a time. Not part of the library's entry point.
 */
export function fakeKafka(options: { failSends?: boolean } = {}) {
  const listeners = new Map<string, (event: { payload: Record<string, unknown> }) => void>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const committed: string[] = [];
  const commitRequests: Array<Array<{ partition: number; offset: string }>> = [];
  const resolved: string[] = [];
  const sent: TopicMessages[] = [];
  const groupIds: string[] = [];
  const consumerConfigs: ConsumerConfig[] = [];
  const ownership = { running: true, stale: false };
  const kafka = {
    producer: (config?: ProducerConfig) => {
      // Like kafkajs: every message's partition comes from the producer's partitioner (here one
      // partition, 0), and the answer names the partitions written.
      const partitioner = config?.createPartitioner?.();
      return {
        on: () => undefined,
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async ({
          topicMessages,
        }: {
          topicMessages: TopicMessages[];
        }): Promise<RecordMetadata[]> => {
          if (options.failSends) throw new Error('broker unavailable');
          for (const { topic, messages } of topicMessages)
            for (const message of messages)
              partitioner?.({ topic, partitionMetadata: ONE_PARTITION, message });
          sent.push(...topicMessages);
          return topicMessages.map(({ topic }) => ({ topicName: topic, partition: 0, errorCode: 0 }));
        },
      };
    },
    consumer: (config: ConsumerConfig) => {
      groupIds.push(config.groupId);
      consumerConfigs.push(config);
      return {
        events: { CRASH: 'crash', GROUP_JOIN: 'group-join', FETCH_START: 'fetch-start' },
        on: (name: string, listener: (event: { payload: Record<string, unknown> }) => void) =>
          listeners.set(name, listener),
        connect: async () => undefined,
        disconnect: async () => undefined,
        subscribe: async () => undefined,
        run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
          eachBatch = config.eachBatch;
        },
        commitOffsets: async (offsets: { partition: number; offset: string }[]) => {
          committed.push(...offsets.map((entry) => entry.offset));
          commitRequests.push(offsets.map(({ partition, offset }) => ({ partition, offset })));
        },
      };
    },
  } as unknown as Kafka;
  return {
    kafka,
    /** Offsets committed, in order (each the offset after the last handled message). */
    committed,
    /** Each commit request: the partitions and offsets it committed. */
    commitRequests,
    /** Offsets resolved for the next fetch. */
    resolved,
    /** What the producer sent, per request and topic. */
    sent,
    /** The consumer groups of the consumers created. */
    groupIds,
    /** The configuration each consumer was created with, in order. */
    consumerConfigs,
    /** Set `running` or `stale` to take the partition away from the batch in hand. */
    ownership,
    async deliver(
      topic: string,
      partition: number,
      highWatermark: string,
      messages: KafkaMessage[],
    ): Promise<void> {
      await eachBatch!({
        batch: { topic, partition, highWatermark, messages },
        heartbeat: async () => undefined,
        isRunning: () => ownership.running,
        isStale: () => ownership.stale,
        resolveOffset: (offset: string) => resolved.push(offset),
      } as unknown as EachBatchPayload);
    },
    joinGroup(assignment: Record<string, number[]>): void {
      listeners.get('group-join')!({ payload: { memberAssignment: assignment } });
    },
    /** The latest consumer starts a fetch, as kafkajs does at least every `maxWaitTimeInMs`. */
    fetchStarts(): void {
      listeners.get('fetch-start')!({ payload: {} });
    },
    /** kafkajs reports a crash of the latest consumer, restarting it or not. */
    crash(error: Error, restart: boolean): void {
      listeners.get('crash')!({ payload: { error, restart } });
    },
  };
}

export function kafkaMessage(offset: number, value: Buffer): KafkaMessage {
  return { offset: String(offset), key: null, value, headers: {}, timestamp: '0', attributes: 0 };
}

/** A valid mailbox change, the event the specs consume and produce. */
export function mailboxChange(accountId: string = randomUUID()): MailboxChangedV1 {
  return {
    eventId: randomUUID(),
    accountId,
    state: '1',
    changed: { Email: '1' },
    cause: 'delivery',
    createdEmailIds: [],
    occurredAt: new Date().toISOString(),
  };
}

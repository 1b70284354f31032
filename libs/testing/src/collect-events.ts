import { randomBytes } from 'node:crypto';
import { decodeEvent, PRODUCER_HEADER, type TopicDefinition } from '@pushmail/contracts';
import type { Kafka } from 'kafkajs';
import type { z } from 'zod';
import { startGroupsAtEnd } from './delivery-group.js';
import { expectEventually } from './expect-eventually.js';

export interface CollectedEvents<T> {
  /** In the order they were read; a message that is not a valid event of the topic is left out. */
  events: T[];
  stop(): Promise<void>;
}

export interface CollectOptions {
  /**
   * Only events whose `pushmail-producer` header names this instance: on a broker that other
   * deployments share, what they write about the same ids is left out.
   */
  producedBy?: string;
}

/** Every valid event produced to `topic` from now on, read with a consumer group of its own. */
export async function collectEventsFromNow<S extends z.ZodType>(
  kafka: Kafka,
  topic: TopicDefinition<S>,
  { producedBy }: CollectOptions = {},
): Promise<CollectedEvents<z.infer<S>>> {
  const groupId = `test-reader-${randomBytes(6).toString('hex')}`;
  await startGroupsAtEnd(kafka, [{ groupId, topic: topic.name }]);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const events: Array<z.infer<S>> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic.name], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (producedBy !== undefined && message.headers?.[PRODUCER_HEADER]?.toString() !== producedBy) return;
      const decoded = decodeEvent(topic, message.value);
      if (decoded.ok) events.push(decoded.event);
    },
  });
  return { events, stop: () => consumer.disconnect() };
}

/** The first collected event that `matches`, once it has been read; `what` names it when none comes. */
export function expectEvent<T>(
  collected: CollectedEvents<T>,
  matches: (event: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return expectEventually(
    () => {
      const found = collected.events.find(matches);
      if (found === undefined) throw new Error(`no ${what} yet`);
      return found;
    },
    { timeoutMs },
  );
}

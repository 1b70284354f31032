// Follows pushmail.mailbox.changed.v1 from the side (a consumer group of its own), to split a push's
// latency in two: SMTP 250 → mailbox published the change (ingest, Kafka, mailbox store) and
// change published → StateChange on the device (Kafka, push-delivery, WebSocket). Uses each
// record's CreateTime, set by the producer when mailbox published, so the tracer's own fetch
// delay does not count. That lets it fetch in batches (a fetch waits up to a quarter second for
// 1 MiB): the platform is measured, not the benchmark's own reader, and a fetch per event in a group
// of its own costs the broker about as much as any other group's (docs/performance.md, "What a
// consumer's fetch costs"). `caughtUp` waits for what was published before it is read.
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { nowMs } from './stats.mjs';

const { Kafka, logLevel } = kafkajs;
export const MAILBOX_CHANGED_TOPIC = 'pushmail.mailbox.changed.v1';

export async function startStageTracer(brokers) {
  const kafka = new Kafka({
    clientId: 'bench-tracer',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const groupId = `bench-trace-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 250,
    minBytes: 1 << 20,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const byAccount = new Map();
  /** The next offset to read, per partition. */
  const nextOffset = new Map();
  // Record timestamps are wall-clock milliseconds; the benchmark times with the monotonic clock.
  let wallMinusMono = 0;
  for (let sample = 0; sample < 5; sample += 1) wallMinusMono += (Date.now() - nowMs()) / 5;
  await consumer.connect();
  await consumer.subscribe({ topics: [MAILBOX_CHANGED_TOPIC], fromBeginning: false });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const next = BigInt(message.offset) + 1n;
      if (next > (nextOffset.get(partition) ?? 0n)) nextOffset.set(partition, next);
      const accountId = message.key?.toString();
      if (!accountId) return;
      const list = byAccount.get(accountId) ?? [];
      list.push(Number(message.timestamp) - wallMinusMono);
      byAccount.set(accountId, list);
    },
  });
  await Promise.race([joined, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  // A partition with nothing new since the join counts as read up to its end at the join.
  const startAdmin = kafka.admin();
  await startAdmin.connect();
  for (const { partition, offset } of await startAdmin.fetchTopicOffsets(MAILBOX_CHANGED_TOPIC)) {
    if (BigInt(offset) > (nextOffset.get(partition) ?? 0n)) nextOffset.set(partition, BigInt(offset));
  }
  await startAdmin.disconnect();
  return {
    /** When the first change of the account published after `after` (monotonic ms) was published. */
    publishedAfter(accountId, after) {
      const list = byAccount.get(accountId);
      if (!list) return undefined;
      // CreateTime has millisecond resolution; allow for the rounding.
      return list.find((at) => at >= after - 1);
    },
    /** Resolves once every event published before the call was read (or after `timeoutMs`). */
    async caughtUp(timeoutMs = 5000) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const ends = await admin.fetchTopicOffsets(MAILBOX_CHANGED_TOPIC);
        const deadline = Date.now() + timeoutMs;
        const behind = () =>
          ends.some(({ partition, offset }) => (nextOffset.get(partition) ?? 0n) < BigInt(offset));
        while (behind() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async stop() {
      await consumer.disconnect().catch(() => undefined);
      const admin = kafka.admin();
      await admin.connect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

// Follows pushmail.mailbox.changed.v1 from the side (a consumer group of its own), to split a push's
// latency in two: SMTP 250 → mailbox published the change (ingest, Kafka, mailbox store) and
// change published → StateChange on the device (Kafka, push-delivery, WebSocket). Uses each
// record's CreateTime, set by the producer when mailbox published, so the tracer's own fetch
// delay does not count.
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
    maxWaitTimeInMs: 50,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const byAccount = new Map();
  // Record timestamps are wall-clock milliseconds; the benchmark times with the monotonic clock.
  let wallMinusMono = 0;
  for (let sample = 0; sample < 5; sample += 1) wallMinusMono += (Date.now() - nowMs()) / 5;
  await consumer.connect();
  await consumer.subscribe({ topics: [MAILBOX_CHANGED_TOPIC], fromBeginning: false });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const accountId = message.key?.toString();
      if (!accountId) return;
      const list = byAccount.get(accountId) ?? [];
      list.push(Number(message.timestamp) - wallMinusMono);
      byAccount.set(accountId, list);
    },
  });
  await Promise.race([joined, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  return {
    /** When the first change of the account published after `after` (monotonic ms) was published. */
    publishedAfter(accountId, after) {
      const list = byAccount.get(accountId);
      if (!list) return undefined;
      // CreateTime has millisecond resolution; allow for the rounding.
      return list.find((at) => at >= after - 1);
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

// Waits until the platform has worked off what earlier phases sent: the mailbox consumer group has
// no lag on the mail-arrived topic. Without it, a phase that overloads the platform (push latency
// at a rate above capacity) would leave a backlog that the next phase measures as its own.
import kafkajs from 'kafkajs';
import { nowMs, sleep } from './stats.mjs';

const { Kafka, logLevel } = kafkajs;
const MAIL_ARRIVED_TOPIC = 'pushmail.mail.arrived.v1';
const MAILBOX_GROUP = 'mailbox';

export function mailboxLag(admin) {
  return groupLag(admin, MAILBOX_GROUP, MAIL_ARRIVED_TOPIC);
}

/** Events of `topic` that consumer group `groupId` has not yet committed, over all partitions. */
export async function groupLag(admin, groupId, topic) {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const done = new Map(
    (committed[0]?.partitions ?? []).map((partition) => [partition.partition, BigInt(partition.offset)]),
  );
  let lag = 0n;
  for (const partition of ends) {
    const at = done.get(partition.partition) ?? -1n;
    const end = BigInt(partition.high);
    lag += at < 0n ? end : end > at ? end - at : 0n;
  }
  return Number(lag);
}

/** Resolves with the seconds waited once the lag is zero, or throws after `timeoutMs`. */
export async function waitForQuiet(brokers, { progress, timeoutMs = 600_000 } = {}) {
  const kafka = new Kafka({
    clientId: 'bench-quiesce',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const started = nowMs();
  try {
    let lag = await mailboxLag(admin);
    if (lag === 0) return 0;
    progress?.start('waiting for the backlog to clear', lag);
    const initial = lag;
    while (lag > 0) {
      if (nowMs() - started > timeoutMs) throw new Error(`mailbox still ${lag} events behind`);
      progress?.update(initial - lag, `${lag} mail-arrived events not yet stored`);
      await sleep(500);
      lag = await mailboxLag(admin);
    }
    progress?.done();
    return Math.round((nowMs() - started) / 100) / 10;
  } finally {
    await admin.disconnect();
  }
}

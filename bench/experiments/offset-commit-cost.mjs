// The broker's CPU for an offset commit: a producer sends --rate small events a second to a topic of
// one partition, and a consumer (autoCommit off, as the platform's) resolves every batch and either
// commits it (`each`, what EventConsumer did for every subscription) or commits at most once a second
// (`coalesced`, EventConsumer's commitIntervalMs). The broker's CPU comes from /proc/<pid>/stat; the
// modes alternate; this process's CPU (producer and consumer) is printed beside it.
//   node bench/experiments/offset-commit-cost.mjs --broker-pid <java pid> [--brokers 127.0.0.1:29092]
//     [--rate 100] [--seconds 12] [--rounds 2]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const { values } = parseArgs({
  options: {
    'broker-pid': { type: 'string' },
    brokers: { type: 'string', default: '127.0.0.1:29092' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '2' },
  },
});
if (!values['broker-pid']) throw new Error('give --broker-pid, the process id of the broker');
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const ticksPerSecond = 100;

/** User and system CPU of the broker so far, in ms. */
function brokerCpuMs() {
  const fields = readFileSync(`/proc/${values['broker-pid']}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

const kafka = new Kafka({
  brokers: values.brokers.split(','),
  clientId: 'offset-commit-cost',
  logLevel: logLevel.NOTHING,
});
const topic = `offset-commit-cost-${Date.now()}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
const producer = kafka.producer();
await producer.connect();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(mode) {
  const consumer = kafka.consumer({ groupId: `${topic}-${mode}-${Date.now()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  let lastCommitAt = 0;
  let commits = 0;
  let received = 0;
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      const last = batch.messages.at(-1);
      if (!last) return;
      received += batch.messages.length;
      resolveOffset(last.offset);
      if (mode === 'each' || Date.now() - lastCommitAt >= 1000) {
        lastCommitAt = Date.now();
        commits += 1;
        const offset = (BigInt(last.offset) + 1n).toString();
        await consumer.commitOffsets([{ topic, partition: batch.partition, offset }]);
      }
    },
  });
  await sleep(3000);
  const brokerBefore = brokerCpuMs();
  const clientBefore = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  while (Date.now() < end) {
    await producer.send({ topic, messages: [{ value: 'x'.repeat(300) }] });
    sent += 1;
    await sleep(1000 / rate);
  }
  const brokerMs = brokerCpuMs() - brokerBefore;
  const client = process.cpuUsage(clientBefore);
  await consumer.disconnect();
  console.log(
    `${mode.padEnd(9)} sent ${sent}, received ${received}, commits ${commits}: broker ${brokerMs} ms CPU, ` +
      `${(brokerMs / sent).toFixed(3)} ms per event; this process ${((client.user + client.system) / 1000 / sent).toFixed(3)} ms per event`,
  );
}

for (let round = 0; round < Number(values.rounds); round += 1) {
  await run('each');
  await run('coalesced');
}
await producer.disconnect();
await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
await admin.disconnect();

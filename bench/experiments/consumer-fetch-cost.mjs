// What a Kafka consumer costs per event when events come a few at a time: a producer sends small
// events at each --rates (a second, keyed over 50 accounts, to a topic of 3 partitions, one produce
// every 10 ms carrying rate/100 events), and a consumer in a child process (kafkajs, autoCommit off
// and a no-op batch handler, as the platform's subscriptions run with their handler taken away)
// reads them from the end. The child's own CPU (process.cpuUsage) over the measured window gives CPU
// per event and per fetch; with --broker-pid, the broker's from /proc/<pid>/stat beside it. Each rate
// runs twice: with kafkajs as published, and with the platform's fix of its request-queue timers
// (libs/platform/src/kafka/kafkajs-request-queue.ts), as every service runs it.
//   node bench/experiments/consumer-fetch-cost.mjs [--brokers 127.0.0.1:29092] [--rates 10,100,1000]
//     [--seconds 15] [--broker-pid <java pid>]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:29092' },
    rates: { type: 'string', default: '10,100,1000' },
    seconds: { type: 'string', default: '15' },
    'broker-pid': { type: 'string' },
    // Internal: the consumer side, run as a child process, and whether it applies the fix.
    'consume-topic': { type: 'string' },
    fixed: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const WARM_UP_MS = 4000;

const kafka = new Kafka({
  brokers: values.brokers.split(','),
  clientId: 'consumer-fetch-cost',
  logLevel: logLevel.NOTHING,
});

if (values['consume-topic']) {
  // The consumer: counts, waits for the warm-up, then measures its own CPU over the window.
  const topic = values['consume-topic'];
  if (values.fixed) {
    const { fixKafkajsRequestQueueTimers } =
      await import('../../libs/platform/src/kafka/kafkajs-request-queue.ts');
    if (!fixKafkajsRequestQueueTimers()) throw new Error('the request-queue fix did not apply');
  }
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  let events = 0;
  let batches = 0;
  let fetches = 0;
  consumer.on(consumer.events.FETCH, () => {
    fetches += 1;
  });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      events += batch.messages.length;
      batches += 1;
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
    },
  });
  process.send?.({ ready: true });
  await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
  const [events0, batches0, fetches0, cpu0] = [events, batches, fetches, process.cpuUsage()];
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  process.send?.({
    events: events - events0,
    fetchesWithEvents: batches - batches0,
    fetches: fetches - fetches0,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
  await consumer.disconnect();
  process.exit(0);
}

/** User and system CPU of the broker so far, in ms (100 clock ticks a second). */
function brokerCpuMs() {
  if (!values['broker-pid']) return 0;
  const fields = readFileSync(`/proc/${values['broker-pid']}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const admin = kafka.admin();
await admin.connect();
const results = [];
for (const [rate, fixed] of values.rates
  .split(',')
  .map(Number)
  .flatMap((rate) => [
    [rate, false],
    [rate, true],
  ])) {
  const topic = `consumer-fetch-cost-${rate}-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  // One producer per topic: one that had sent to a deleted topic keeps asking the broker for it.
  const producer = kafka.producer();
  await producer.connect();
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--consume-topic',
      topic,
      '--seconds',
      String(seconds),
      '--brokers',
      values.brokers,
      ...(fixed ? ['--fixed'] : []),
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const messages = [];
  child.on('message', (message) => messages.push(message));
  while (!messages.some((message) => message.ready)) await new Promise((resolve) => setTimeout(resolve, 50));
  // Sent for the warm-up and the window, and a little after, so the window never runs dry.
  const perTick = Math.max(1, Math.round(rate / 100));
  const tickMs = (1000 * perTick) / rate;
  const end = Date.now() + WARM_UP_MS + seconds * 1000 + 1000;
  let sent = 0;
  let brokerAtWindow;
  const windowAt = Date.now() + WARM_UP_MS;
  let next = Date.now();
  while (Date.now() < end) {
    if (brokerAtWindow === undefined && Date.now() >= windowAt) brokerAtWindow = brokerCpuMs();
    const batch = Array.from({ length: perTick }, (_, index) => ({
      key: `account-${(sent + index) % 50}`,
      value: JSON.stringify({ n: sent + index, padding: 'x'.repeat(500) }),
    }));
    await producer.send({ topic, messages: batch });
    sent += perTick;
    next += tickMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  const brokerMs = brokerCpuMs() - (brokerAtWindow ?? brokerCpuMs());
  await exited;
  const measured = messages.find((message) => 'events' in message);
  const result = {
    ratePerS: rate,
    kafkajs: fixed ? 'request-queue timers fixed' : 'as published',
    events: measured.events,
    fetchesWithEvents: measured.fetchesWithEvents,
    fetches: measured.fetches,
    eventsPerFetch: Number((measured.events / measured.fetchesWithEvents).toFixed(2)),
    consumerCpuMsPerEvent: Number((measured.cpuMs / measured.events).toFixed(3)),
    consumerCpuMsPerFetch: Number((measured.cpuMs / measured.fetchesWithEvents).toFixed(3)),
    ...(values['broker-pid']
      ? { brokerCpuMsPerEvent: Number(((brokerMs * (seconds / (seconds + 1))) / measured.events).toFixed(3)) }
      : {}),
  };
  console.log(JSON.stringify(result));
  results.push(result);
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
}
await admin.disconnect();
console.log(JSON.stringify({ seconds, results }));

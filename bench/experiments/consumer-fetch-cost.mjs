// What a Kafka consumer costs per event when events come a few at a time, and what one producer costs
// per event sent one at a time, with kafkajs and with @platformatic/kafka (a pure-JavaScript client).
//
// Consumer side: a kafkajs producer sends small events at each --rates (a second, keyed over 50
// accounts, to a topic of 3 partitions, one produce every 10 ms carrying rate/100 events), and a
// consumer in a child process reads them from the end (its own group, no auto-commit, fetches that
// wait at most 500 ms for at least 1 byte, a handler that does nothing, as the platform's
// subscriptions run with their handler taken away). Its clients (--clients, in the order given, for
// each rate):
//   kafkajs-published  kafkajs as published (eachBatch, resolving each batch's last offset);
//   kafkajs            kafkajs with the platform's fix of its request-queue timers
//                      (libs/platform/src/kafka/kafkajs-request-queue.ts), as every service runs it;
//   platformatic       @platformatic/kafka's Consumer and its message stream (mode `committed`
//                      falling back to `latest`, the same heartbeats and session as kafkajs's, and
//                      kafkajs's metadata max age of 5 min instead of its own 5 s).
// Counted in the child: events; fetches (kafkajs's consumer FETCH event; the stream's `fetch` event,
// once per fetch response); batches, the partitions with events in a fetch (kafkajs's eachBatch
// calls; for @platformatic/kafka the partitions with records in each fetch response, read from its
// `plt:kafka:consumer:fetches` diagnostics channel). The child's own CPU (process.cpuUsage) over the
// measured window gives CPU per event, per fetch and per batch; the broker's, from
// /proc/<pid>/stat over a window as long, beside it (on a shared broker, others' requests count too).
//
// Producer side (--producer-rate, 0 to skip): a producer in a child process configured like the
// platform's EventProducer (idempotent, one request in flight, acks from all in-sync replicas) sends
// one event per request at that rate, each awaited, with each of --clients but kafkajs-published;
// its CPU and the broker's per event over the window.
//
//   node bench/experiments/consumer-fetch-cost.mjs [--brokers 127.0.0.1:29092 | --kafka-port <port>]
//     [--rates 10,100,1000] [--clients kafkajs-published,kafkajs,platformatic] [--seconds 15]
//     [--producer-rate 0] [--broker-pid <java pid>]
// --kafka-port starts (or reuses) a broker of its own on that port; the broker's pid is found by its
// port unless --broker-pid names it. @platformatic/kafka is not a dependency of the project (it was
// measured and not adopted: docs/performance.md, "What a consumer's fetch costs"): for the
// `platformatic` client, `npm install --no-save @platformatic/kafka@2.12` first.
import { spawn } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const CLIENTS = ['kafkajs-published', 'kafkajs', 'platformatic'];
const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:29092' },
    'kafka-port': { type: 'string' },
    rates: { type: 'string', default: '10,100,1000' },
    clients: { type: 'string', default: 'kafkajs-published,kafkajs' },
    seconds: { type: 'string', default: '15' },
    'producer-rate': { type: 'string', default: '0' },
    'broker-pid': { type: 'string' },
    // Internal: the consumer or producer side, run as a child process, and its client.
    'consume-topic': { type: 'string' },
    'produce-topic': { type: 'string' },
    rate: { type: 'string' },
    client: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const WARM_UP_MS = 4000;
const clients = values.clients.split(',');
for (const client of clients) if (!CLIENTS.includes(client)) throw new Error(`unknown client ${client}`);

/** The child's measurement: counts over the warm-up, then its own CPU over the window. */
async function measure(counters) {
  process.send?.({ ready: true });
  await sleep(WARM_UP_MS);
  const [start, cpu0] = [{ ...counters }, process.cpuUsage()];
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const counted = Object.fromEntries(Object.entries(counters).map(([name, n]) => [name, n - start[name]]));
  process.send?.({ ...counted, cpuMs: (cpu.user + cpu.system) / 1000 });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function kafkajsClient(brokers) {
  return new Kafka({
    brokers: brokers.split(','),
    clientId: 'consumer-fetch-cost',
    logLevel: logLevel.NOTHING,
  });
}

async function applyRequestQueueFix() {
  const { fixKafkajsRequestQueueTimers } =
    await import('../../libs/platform/src/kafka/kafkajs-request-queue.ts');
  if (!fixKafkajsRequestQueueTimers()) throw new Error('the request-queue fix did not apply');
}

if (values['consume-topic']) {
  const topic = values['consume-topic'];
  const groupId = `${topic}-group`;
  const counters = { events: 0, batches: 0, fetches: 0 };
  let close;
  if (values.client === 'platformatic') {
    const { Consumer } = await import('@platformatic/kafka');
    // One fetch request per response; the partitions that brought records are the batches.
    tracingChannel('plt:kafka:consumer:fetches').subscribe({
      asyncStart({ result }) {
        for (const { partitions } of result?.responses ?? [])
          for (const { records } of partitions)
            if (records?.some((batch) => batch.records.length > 0)) counters.batches += 1;
      },
    });
    const consumer = new Consumer({
      groupId,
      clientId: 'consumer-fetch-cost',
      bootstrapBrokers: values.brokers.split(','),
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      metadataMaxAge: 300_000,
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'latest',
      autocommit: false,
      maxWaitTime: 500,
      minBytes: 1,
    });
    stream.on('fetch', () => {
      counters.fetches += 1;
    });
    stream.on('data', () => {
      counters.events += 1;
    });
    // Ready once the group has been joined and the first fetch answered.
    await new Promise((resolve) => stream.once('fetch', resolve));
    close = async () => {
      await stream.close();
      await consumer.close();
    };
  } else {
    if (values.client === 'kafkajs') await applyRequestQueueFix();
    const consumer = kafkajsClient(values.brokers).consumer({ groupId, maxWaitTimeInMs: 500, minBytes: 1 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    consumer.on(consumer.events.FETCH, () => {
      counters.fetches += 1;
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        counters.events += batch.messages.length;
        counters.batches += 1;
        const last = batch.messages.at(-1);
        if (last) resolveOffset(last.offset);
      },
    });
    close = () => consumer.disconnect();
  }
  await measure(counters);
  await close();
  process.exit(0);
}

if (values['produce-topic']) {
  // One event per request, each awaited, as a caller of EventProducer.publish alone in its process.
  const topic = values['produce-topic'];
  const counters = { events: 0 };
  let send;
  let close;
  if (values.client === 'platformatic') {
    const { Producer, ProduceAcks } = await import('@platformatic/kafka');
    const producer = new Producer({
      clientId: 'consumer-fetch-cost',
      bootstrapBrokers: values.brokers.split(','),
      idempotent: true,
      acks: ProduceAcks.ALL,
      maxInflights: 1,
      metadataMaxAge: 300_000,
    });
    send = (key, value) =>
      producer.send({ messages: [{ topic, key: Buffer.from(key), value: Buffer.from(value) }] });
    close = () => producer.close();
  } else {
    await applyRequestQueueFix();
    const producer = kafkajsClient(values.brokers).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    send = (key, value) =>
      producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key, value }] }] });
    close = () => producer.disconnect();
  }
  const rate = Number(values.rate);
  const end = Date.now() + WARM_UP_MS + seconds * 1000 + 500;
  void measure(counters);
  for (let next = Date.now(); Date.now() < end;) {
    const n = counters.events;
    await send(`account-${n % 50}`, JSON.stringify({ n, padding: 'x'.repeat(500) }));
    counters.events += 1;
    next += 1000 / rate;
    await sleep(Math.max(0, next - Date.now()));
  }
  await close();
  process.exit(0);
}

// This process's producer and admin, with the fix too: they should not load the machine for nothing.
await applyRequestQueueFix();
let brokers = values.brokers;
let stopBroker = async () => undefined;
if (values['kafka-port']) {
  const { startLocalKafka } = await import('../../tools/infra/index.mjs');
  const { cacheDir } = await import('../../tools/infra/common.mjs');
  const port = Number(values['kafka-port']);
  const kafka = await startLocalKafka({
    port,
    controllerPort: port + 1,
    dataDir: path.join(cacheDir(), `kafka-data-${port}`),
    fresh: true,
    log: () => undefined,
  });
  brokers = kafka.brokers;
  stopBroker = kafka.stop;
}
const { findKafkaPid } = await import('../lib/procstat.mjs');
const brokerPid = values['broker-pid'] ?? findKafkaPid(brokers);

/** User and system CPU of the broker so far, in ms (100 clock ticks a second). */
function brokerCpuMs() {
  if (!brokerPid) return 0;
  const fields = readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function round(value, digits = 3) {
  return Number(value.toFixed(digits));
}

const kafka = kafkajsClient(brokers);
const admin = kafka.admin();
await admin.connect();

/** Runs a child on a new topic while `drive` runs in this process; the child's counts and the broker's CPU. */
async function withChild(name, args, drive) {
  const topic = `consumer-fetch-cost-${name}-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), ...args(topic), '--seconds', String(seconds), '--brokers', brokers],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const messages = [];
  child.on('message', (message) => messages.push(message));
  while (!messages.some((message) => message.ready)) await sleep(50);
  const windowAt = Date.now() + WARM_UP_MS;
  let brokerAtWindow;
  let brokerAtEnd;
  const brokerWindow = (async () => {
    await sleep(windowAt - Date.now());
    brokerAtWindow = brokerCpuMs();
    await sleep(seconds * 1000);
    brokerAtEnd = brokerCpuMs();
  })();
  await drive(topic);
  await brokerWindow;
  await exited;
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  const measured = messages.find((message) => 'cpuMs' in message);
  return { measured, brokerMs: brokerAtEnd - brokerAtWindow };
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = [];
for (const rate of values.rates.split(',').map(Number)) {
  for (const client of clients) {
    // One producer per topic: one that had sent to a deleted topic keeps asking the broker for it.
    const producer = kafka.producer();
    await producer.connect();
    const { measured, brokerMs } = await withChild(
      `${rate}`,
      (topic) => ['--consume-topic', topic, '--client', client],
      async (topic) => {
        // Sent for the warm-up and the window, and a little after, so the window never runs dry.
        const perTick = Math.max(1, Math.round(rate / 100));
        const tickMs = (1000 * perTick) / rate;
        const end = Date.now() + WARM_UP_MS + seconds * 1000 + 1000;
        let sent = 0;
        for (let next = Date.now(); Date.now() < end;) {
          const batch = Array.from({ length: perTick }, (_, index) => ({
            key: `account-${(sent + index) % 50}`,
            value: JSON.stringify({ n: sent + index, padding: 'x'.repeat(500) }),
          }));
          await producer.send({ topic, messages: batch });
          sent += perTick;
          next += tickMs;
          await sleep(Math.max(0, next - Date.now()));
        }
      },
    );
    await producer.disconnect();
    const result = {
      side: 'consumer',
      ratePerS: rate,
      client,
      events: measured.events,
      fetches: measured.fetches,
      batches: measured.batches,
      eventsPerFetch: round(measured.events / measured.fetches, 2),
      eventsPerBatch: round(measured.events / measured.batches, 2),
      consumerCpuMsPerEvent: round(measured.cpuMs / measured.events),
      consumerCpuMsPerFetch: round(measured.cpuMs / measured.fetches),
      consumerCpuMsPerBatch: round(measured.cpuMs / measured.batches),
      ...(brokerPid ? { brokerCpuMsPerEvent: round(brokerMs / measured.events) } : {}),
      loadAverage: loadAverage(),
    };
    console.log(JSON.stringify(result));
    results.push(result);
  }
}

const producerRate = Number(values['producer-rate']);
for (const client of producerRate > 0 ? clients.filter((client) => client !== 'kafkajs-published') : []) {
  const { measured, brokerMs } = await withChild(
    `produce-${producerRate}`,
    (topic) => ['--produce-topic', topic, '--client', client, '--rate', String(producerRate)],
    async () => undefined,
  );
  const result = {
    side: 'producer',
    ratePerS: producerRate,
    client,
    events: measured.events,
    producerCpuMsPerEvent: round(measured.cpuMs / measured.events),
    ...(brokerPid ? { brokerCpuMsPerEvent: round(brokerMs / measured.events) } : {}),
    loadAverage: loadAverage(),
  };
  console.log(JSON.stringify(result));
  results.push(result);
}
await admin.disconnect();
await stopBroker();
console.log(JSON.stringify({ seconds, brokers, brokerPid, results }));

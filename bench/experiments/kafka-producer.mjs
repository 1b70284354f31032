// How fast one producer configured like EventProducer (idempotent, one request in flight, acks
// from all replicas) publishes when many callers each send one event at a time, as ingest does per
// SMTP message, against the same producer when concurrent events are gathered into one request.
// Evidence for docs/performance.md; starts a broker of its own (as the benchmark does).
//   node bench/experiments/kafka-producer.mjs [--seconds 8] [--callers 80] [--bytes 5600]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { ensureInfrastructure } from '../../tools/infra/index.mjs';
import { summarize } from '../lib/stats.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    callers: { type: 'string', default: '80' },
    bytes: { type: 'string', default: '5600' },
    'kafka-port': { type: 'string', default: '29092' },
  },
});
const seconds = Number(values.seconds);
const callers = Number(values.callers);
const value = randomBytes(Number(values.bytes) / 2).toString('hex');

if (!process.env.KAFKA_BROKERS) process.env.PUSHMAIL_KAFKA_PORT = values['kafka-port'];
const infra = await ensureInfrastructure({
  purpose: 'start',
  fresh: !process.env.KAFKA_BROKERS,
  log: () => {},
});
const kafka = new kafkajs.Kafka({
  clientId: 'producer-experiment',
  brokers: infra.kafkaBrokers.split(','),
  logLevel: kafkajs.logLevel.NOTHING,
});
const topic = `experiment.producer.${randomBytes(3).toString('hex')}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
  waitForLeaders: true,
});

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
await producer.connect();
const message = () => ({ key: randomBytes(16).toString('hex'), value });

/** Gathers the events of concurrent callers while a request is under way, then sends them as one. */
function batcher() {
  let queue = [];
  let sending = false;
  const flush = async () => {
    sending = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await producer.send({ topic, acks: -1, messages: batch.map((entry) => entry.message) });
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    sending = false;
  };
  return (msg) =>
    new Promise((resolve, reject) => {
      queue.push({ message: msg, resolve, reject });
      if (!sending) void flush();
    });
}

async function measure(label, publish) {
  const latencies = [];
  let sent = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await publish(message());
        latencies.push(performance.now() - started);
        sent += 1;
      }
    }),
  );
  const stats = summarize(latencies);
  console.log(
    `${label.padEnd(40)} ${Math.round(sent / seconds)
      .toString()
      .padStart(6)} events/s   latency p50 ${stats.p50} ms  p99 ${stats.p99} ms`,
  );
  return { label, eventsPerS: Math.round(sent / seconds), latencyMs: stats };
}

console.log(
  `${callers} concurrent callers, ${values.bytes}-byte events, acks=all, idempotent, 1 request in flight`,
);
try {
  await measure('one send() per event (as ingest does)', (msg) =>
    producer.send({ topic, acks: -1, messages: [msg] }),
  );
  await measure('concurrent events gathered per request', batcher());
} finally {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await infra.stop();
}

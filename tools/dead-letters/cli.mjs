// `npm run dead-letters -- <command>`: inspect the dead-letter topic and replay what it holds.
// Plain ESM on kafkajs. The brokers come from KAFKA_BROKERS (default 127.0.0.1:19092), the
// installation's topics from KAFKA_TOPIC_PREFIX (default none), as for the services.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
// Node runs the platform's TypeScript as it is: the services and this tool share one copy of the fix
// (without it, kafkajs prints a TimeoutNegativeWarning after its first response).
import { fixKafkajsRequestQueueTimers } from '../../libs/platform/src/kafka/kafkajs-request-queue.ts';
import { withTopicPrefix } from '../../libs/platform/src/kafka/topic-prefix.ts';

const { Kafka, logLevel } = kafkajs;
fixKafkajsRequestQueueTimers();

const DEAD_LETTER_TOPIC = 'pushmail.dead-letter.v1';
/** Set on every replayed message: which dead letter it came from, so a repeat failure is traceable. */
const REPLAY_HEADER = 'pushmail-replay-of';
const REPLAYED_AT_HEADER = 'pushmail-replayed-at';

const USAGE = `usage: npm run dead-letters -- <command> [options]

  list [--limit N] [--json]            the most recent dead letters (default 20), oldest first
  show <id> [--out FILE]               one dead letter; with --out, its original bytes into FILE
  replay <id> [--value-file FILE]      produce the original bytes (or FILE's, once fixed up) to the
                                       source topic, with the original key and headers and a
                                       ${REPLAY_HEADER} header
  replay --all                         replay every dead letter, in order

<id> is <partition>:<offset> in ${DEAD_LETTER_TOPIC}, as list prints it; a bare offset is
accepted when only one partition has it. KAFKA_BROKERS names the brokers; KAFKA_TOPIC_PREFIX the
installation on them, as the services have it (topics are shown and replayed by their own names).`;

function fail(message) {
  console.error(message);
  process.exit(2);
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    limit: { type: 'string' },
    json: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    out: { type: 'string' },
    'value-file': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const [command, target] = positionals;
if (options.help || !command) {
  console.log(USAGE);
  process.exit(command || options.help ? 0 : 2);
}

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092')
  .split(',')
  .map((broker) => broker.trim())
  .filter(Boolean);
const kafka = withTopicPrefix(
  new Kafka({
    clientId: 'pushmail-dead-letters',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 200 },
  }),
  process.env.KAFKA_TOPIC_PREFIX ?? '',
);

/** Reads the whole dead-letter topic up to its current end, committing nothing. */
async function readDeadLetters() {
  const admin = kafka.admin();
  await admin.connect();
  let ends;
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(DEAD_LETTER_TOPIC)) return [];
    ends = await admin.fetchTopicOffsets(DEAD_LETTER_TOPIC);
  } finally {
    await admin.disconnect();
  }
  const pending = new Map(
    ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => [end.partition, BigInt(end.high)]),
  );
  if (pending.size === 0) return [];

  // A throwaway group: kafkajs consumers need one; it is deleted again afterwards.
  const groupId = `pushmail-dead-letters-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  const letters = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [DEAD_LETTER_TOPIC], fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('reading the dead-letter topic timed out')), 60_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = pending.get(partition);
            if (end === undefined) return;
            letters.push(decode(partition, message));
            if (BigInt(message.offset) + 1n >= end) pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]).catch(() => undefined);
    await admin2.disconnect();
  }
  return letters.sort((a, b) => (a.failedAt < b.failedAt ? -1 : a.failedAt > b.failedAt ? 1 : 0));
}

function decode(partition, message) {
  const id = `${partition}:${message.offset}`;
  try {
    const letter = JSON.parse(message.value?.toString('utf8') ?? '');
    return { id, ...letter };
  } catch (error) {
    return { id, unreadable: true, reason: `the dead letter itself is not JSON: ${error.message}` };
  }
}

function find(letters, wanted) {
  if (!wanted) fail(`which dead letter? give <partition>:<offset>\n\n${USAGE}`);
  if (wanted.includes(':')) {
    const letter = letters.find((item) => item.id === wanted);
    if (!letter) fail(`no dead letter ${wanted}`);
    return letter;
  }
  const matches = letters.filter((item) => item.id.split(':')[1] === wanted);
  if (matches.length === 0) fail(`no dead letter at offset ${wanted}`);
  if (matches.length > 1)
    fail(`offset ${wanted} is in several partitions: ${matches.map((item) => item.id).join(', ')}`);
  return matches[0];
}

function summary(letter) {
  if (letter.unreadable) return `${letter.id}  (unreadable) ${letter.reason}`;
  const size = Buffer.from(letter.valueBase64 ?? '', 'base64').length;
  return `${letter.id}  ${letter.failedAt}  ${letter.sourceTopic}[${letter.partition}]@${letter.offset}  group=${letter.consumerGroup}  key=${letter.key ?? '-'}  ${size} bytes\n    reason: ${letter.reason}`;
}

async function replay(letters, valueFile) {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const results = [];
  try {
    for (const letter of letters) {
      if (letter.unreadable) {
        console.error(`skipping ${letter.id}: ${letter.reason}`);
        continue;
      }
      const value = valueFile ? readFileSync(valueFile) : Buffer.from(letter.valueBase64, 'base64');
      const headers = {
        ...letter.headers,
        [REPLAY_HEADER]: `${DEAD_LETTER_TOPIC}/${letter.id}`,
        [REPLAYED_AT_HEADER]: new Date().toISOString(),
      };
      const [metadata] = await producer.send({
        topic: letter.sourceTopic,
        acks: -1,
        messages: [{ key: letter.key, value, headers }],
      });
      results.push({
        id: letter.id,
        topic: letter.sourceTopic,
        partition: metadata.partition,
        offset: metadata.baseOffset,
        fixedUp: Boolean(valueFile),
      });
    }
  } finally {
    await producer.disconnect();
  }
  return results;
}

try {
  switch (command) {
    case 'list': {
      const limit = options.limit === undefined ? 20 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) fail('--limit must be a positive integer');
      const letters = (await readDeadLetters()).slice(-limit);
      if (options.json) for (const letter of letters) console.log(JSON.stringify(letter));
      else if (letters.length === 0) console.log('no dead letters');
      else for (const letter of letters) console.log(summary(letter));
      break;
    }
    case 'show': {
      const letter = find(await readDeadLetters(), target);
      if (options.out) {
        writeFileSync(options.out, Buffer.from(letter.valueBase64 ?? '', 'base64'));
        console.error(`wrote the original bytes of ${letter.id} to ${options.out}`);
      }
      console.log(
        options.json || options.out
          ? JSON.stringify(letter)
          : `${summary(letter)}\n    headers: ${JSON.stringify(letter.headers)}`,
      );
      break;
    }
    case 'replay': {
      const letters = await readDeadLetters();
      if (options.all && options['value-file']) fail('--value-file replaces one dead letter, not --all');
      const chosen = options.all ? letters : [find(letters, target)];
      const results = await replay(chosen, options['value-file']);
      for (const result of results) {
        console.log(
          options.json
            ? JSON.stringify(result)
            : `replayed ${result.id} to ${result.topic}[${result.partition}]@${result.offset}${result.fixedUp ? ' (fixed up)' : ''}`,
        );
      }
      if (!options.json) console.log(`${results.length} replayed`);
      break;
    }
    default:
      fail(`unknown command ${command}\n\n${USAGE}`);
  }
} catch (error) {
  console.error(`dead-letters: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

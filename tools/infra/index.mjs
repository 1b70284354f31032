// One entry point for `npm start` and the tests to get a Kafka broker and a PostgreSQL database,
// whatever the machine offers: explicit URLs, a Docker engine, or processes started right here.
import path from 'node:path';

import { cacheDir, canConnect, defaultLog, hasDockerEngine } from './common.mjs';
import { DEFAULT_KAFKA_VERSION, kafkaIsReady, kafkaVersion, startLocalKafka } from './kafka.mjs';
import { resolvePostgres } from './postgres.mjs';

export { startLocalKafka, startLocalKafkaCluster } from './kafka.mjs';
export { resolvePostgres } from './postgres.mjs';
export { hasDockerEngine } from './common.mjs';
export { ensureHostTools, HOST_TOOLS, onPath } from './host-tools.mjs';
export { brokerPorts, ephemeralPortRange, pickListenPorts } from './ports.mjs';

const noop = async () => {};
const never = new Promise(() => {});

export function localKafkaPorts() {
  const port = Number(process.env.PUSHMAIL_KAFKA_PORT || 19092);
  return { port, controllerPort: port + 1 };
}

const DOCKER_START_HINT =
  'A Docker engine is available, so the services are expected to run in it: run ' +
  '`docker compose up -d kafka postgres` and set KAFKA_BROKERS and DATABASE_URL to point at them ' +
  '(or set PUSHMAIL_INFRA=local to run them as local processes instead).';

async function importOptional(name) {
  try {
    return await import(name);
  } catch (err) {
    if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      `${name} is needed to run tests against Docker; install it with \`npm install --no-save ${name}\` ` +
        '(or set PUSHMAIL_INFRA=local to run the services as local processes).',
    );
  }
}

async function kafkaInDocker(log) {
  const { KafkaContainer } = await importOptional('@testcontainers/kafka');
  // The Node module drives Confluent's image; 8.x carries Apache Kafka 4.x and runs KRaft.
  const image = process.env.PUSHMAIL_KAFKA_IMAGE || 'confluentinc/cp-kafka:8.1.0';
  log(`starting Kafka container ${image}`);
  const container = await new KafkaContainer(image)
    .withEnvironment({
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_MESSAGE_MAX_BYTES: '33554432',
      KAFKA_REPLICA_FETCH_MAX_BYTES: '33554432',
    })
    .start();
  return {
    value: `${container.getHost()}:${container.getMappedPort(9093)}`,
    stop: async () => {
      await container.stop();
    },
    exited: never,
  };
}

async function postgresInDocker(log) {
  const { PostgreSqlContainer } = await importOptional('@testcontainers/postgresql');
  const image = process.env.PUSHMAIL_POSTGRES_IMAGE || 'postgres:16-alpine';
  log(`starting PostgreSQL container ${image}`);
  const container = await new PostgreSqlContainer(image).start();
  return {
    value: container.getConnectionUri(),
    stop: async () => {
      await container.stop();
    },
  };
}

async function ensureKafka({ purpose, log, fresh }) {
  const configured = process.env.KAFKA_BROKERS;
  if (configured) {
    const brokers = configured
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const answers = await Promise.all(
      brokers.map((b) => {
        const at = b.lastIndexOf(':');
        return canConnect(b.slice(0, at).replace(/^\[|\]$/g, ''), Number(b.slice(at + 1)), 5000);
      }),
    );
    if (!answers.some(Boolean)) throw new Error(`none of KAFKA_BROKERS (${configured}) accepts connections`);
    return { value: configured, stop: noop, exited: never };
  }

  const { port, controllerPort } = localKafkaPorts();
  // A broker left running (say by `cli.mjs up` in another terminal) wins over starting anything.
  if (await kafkaIsReady('127.0.0.1', port, { timeoutMs: 3000 }).catch(() => false)) {
    log(`reusing the Kafka broker already answering on 127.0.0.1:${port}`);
    if (fresh) log('not wiping its data: it belongs to another process');
    return { value: `127.0.0.1:${port}`, stop: noop, exited: never };
  }

  if (await hasDockerEngine()) {
    if (purpose === 'test') return kafkaInDocker(log);
    throw new Error(DOCKER_START_HINT);
  }

  const dataDir = path.join(cacheDir(), `kafka-data-${port}`);
  const kafka = await startLocalKafka({ port, controllerPort, dataDir, log, fresh });
  return { value: kafka.brokers, stop: kafka.stop, exited: kafka.exited };
}

async function ensureDatabase({ purpose, log }) {
  const postgres = await resolvePostgres({ log });
  if (postgres.kind === 'docker') {
    if (purpose === 'test') return postgresInDocker(log);
    throw new Error(DOCKER_START_HINT);
  }
  return { value: postgres.url, stop: postgres.stop };
}

/**
 * Makes sure a Kafka broker and a PostgreSQL database are reachable, starting them when needed.
 * KAFKA_BROKERS and DATABASE_URL, when set, are used as they are.
 *
 * @param {{ purpose?: 'start' | 'test', log?: (message: string) => void, fresh?: boolean }} [options]
 *   `fresh` starts a locally run broker on empty storage (a reused broker keeps its data).
 * @returns {Promise<{ kafkaBrokers: string, databaseUrl: string, stop: () => Promise<void>, exited: Promise<string> }>}
 *   `stop` ends what this call started (and nothing it reused); `exited` settles with a message if a
 *   service started here ends on its own.
 */
export async function ensureInfrastructure({ purpose = 'start', log = defaultLog, fresh = false } = {}) {
  if (purpose !== 'start' && purpose !== 'test')
    throw new Error(`purpose must be 'start' or 'test', not ${purpose}`);
  const [kafka, database] = await Promise.allSettled([
    ensureKafka({ purpose, log, fresh }),
    ensureDatabase({ purpose, log }),
  ]);
  const failures = [kafka, database].filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length) {
    await Promise.allSettled(
      [kafka, database].filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()),
    );
    if (failures.length === 1) throw failures[0];
    throw new Error([...new Set(failures.map((f) => f.message))].join('\n'));
  }

  let stopping;
  return {
    kafkaBrokers: kafka.value.value,
    databaseUrl: database.value.value,
    stop: () => {
      stopping ??= Promise.allSettled([kafka.value.stop(), database.value.stop()]).then(() => {});
      return stopping;
    },
    exited: kafka.value.exited.then((code) => `Kafka exited with code ${code}`),
  };
}

export { kafkaVersion, DEFAULT_KAFKA_VERSION };
export { productionSettings, RECORDED_SETTINGS, startTunedPostgres } from './postgres-tuned.mjs';

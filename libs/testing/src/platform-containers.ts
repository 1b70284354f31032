import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KAFKA,
  chosenImages,
  planContainerPlatform,
  type ContainerPlan,
  type ServiceContainerSpec,
} from './container-specs.js';
import { importOptional } from './optional-module.js';
import { serviceLogs } from './service-logs.js';
import {
  SERVICE_NAMES,
  adminTokenOf,
  choosePorts,
  type CommonPlatformOptions,
  type RunningPlatform,
  type ServiceName,
} from './platform-harness.js';
import type { StartedTestContainer, StartedNetwork } from 'testcontainers';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';

export interface ContainerPlatformOptions extends CommonPlatformOptions {
  /**
   * Ready-made images by service, e.g. `{ ingest: 'pushmail/ingest:dev' }`. A service left out runs
   * `pushmail/<service>:$PUSHMAIL_TEST_IMAGE_TAG` when that variable is set, else an image built
   * here from its target in the Dockerfile.
   */
  images?: Partial<Record<ServiceName, string>>;
  /** The directory holding the Dockerfile to build from. Default: this repository's root. */
  dockerContext?: string;
  /** Default: PUSHMAIL_KAFKA_IMAGE, else the Confluent image tools/infra uses. */
  kafkaImage?: string;
  /** Default: PUSHMAIL_POSTGRES_IMAGE, else the image tools/infra uses. */
  postgresImage?: string;
}

type TestcontainersModule = typeof import('testcontainers');
type KafkaModule = typeof import('@testcontainers/kafka');
type PostgresModule = typeof import('@testcontainers/postgresql');

const CONTAINER_PACKAGES = ['testcontainers', '@testcontainers/kafka', '@testcontainers/postgresql'];

async function loadTestcontainers(): Promise<[TestcontainersModule, KafkaModule, PostgresModule]> {
  const load = <T>(name: string) =>
    importOptional<T>(name, { purpose: 'Running pushmail in containers', install: CONTAINER_PACKAGES });
  return [
    await load<TestcontainersModule>('testcontainers'),
    await load<KafkaModule>('@testcontainers/kafka'),
    await load<PostgresModule>('@testcontainers/postgresql'),
  ];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The label that finds a run's service containers, even one whose start failed half-way. */
const RUN_LABEL = 'org.pushmail.test-run';

/** Images built from the Dockerfile in this process, by context and target: built once, reused. */
const builtImages = new Map<string, Promise<string>>();

function buildImage(tc: TestcontainersModule, context: string, target: string): Promise<string> {
  const key = `${context}#${target}`;
  let image = builtImages.get(key);
  if (!image) {
    const name = `localhost/pushmail-${target}:test-${randomBytes(4).toString('hex')}`;
    // BuildKit: the Dockerfile uses cache mounts. Testcontainers' reaper removes the image when
    // this process ends.
    image = tc.GenericContainer.fromDockerfile(context)
      .withTarget(target)
      .withBuildkit()
      .build(name, { deleteOnExit: true })
      .then(() => name);
    image.catch(() => builtImages.delete(key));
    builtImages.set(key, image);
  }
  return image;
}

/**
 * Starts the five services from their images, with a Kafka broker and a PostgreSQL database of their
 * own, all on a Docker network of this run's, and resolves once every service answers ready. The
 * services' ports are published on fixed host ports, so the URLs stay valid when a service is
 * stopped and started again. Needs a Docker engine and the testcontainers packages.
 */
export async function startPlatformInContainers(
  options: ContainerPlatformOptions = {},
): Promise<RunningPlatform> {
  const [tc, { KafkaContainer }, { PostgreSqlContainer }] = await loadTestcontainers();
  const runtime = await tc.getContainerRuntimeClient().catch((error: unknown) => {
    throw new Error(
      'Running pushmail in containers needs a Docker engine, and testcontainers found none ' +
        `(${error instanceof Error ? error.message : String(error)}); set PUSHMAIL_TEST_RUNTIME=processes ` +
        'to run the services as local processes.',
      { cause: error },
    );
  });
  const host = runtime.info.containerRuntime.host;
  const runId = randomBytes(6).toString('hex');
  const hostPorts = await choosePorts(options.ports);
  const adminToken = adminTokenOf(options);
  const mailDomains = options.mailDomains ?? ['example.com'];
  const plan: ContainerPlan = planContainerPlatform({
    host,
    hostPorts,
    images: chosenImages(options.images, process.env['PUSHMAIL_TEST_IMAGE_TAG'] || undefined),
    dockerContext: options.dockerContext ?? repoRoot,
    postgresPassword: randomBytes(18).toString('base64url'),
    adminToken,
    internalToken: options.internalToken ?? randomBytes(32).toString('base64url'),
    mailDomains,
    logLevel: process.env['LOG_LEVEL'] ?? 'info',
    env: options.env,
    serviceEnv: options.serviceEnv,
  });
  const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;

  const logs = serviceLogs(options);
  const running = new Map<ServiceName, StartedTestContainer>();
  const images = new Map<ServiceName, string>();
  let network: StartedNetwork | undefined;
  let kafka: StartedTestContainer | undefined;
  let postgres: StartedPostgreSqlContainer | undefined;

  // A run never has more than one container per service; the bound only guards against a loop.
  const removeLeftovers = async (service: ServiceName): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const container = await runtime.container.fetchByLabel(RUN_LABEL, `${runId}/${service}`, {
        status: ['created', 'restarting', 'running', 'paused', 'exited'],
      });
      if (!container) return;
      await runtime.container.stop(container, { timeout: 0 });
      await runtime.container.remove(container, { removeVolumes: true });
    }
  };

  const startService = async (service: ServiceName): Promise<void> => {
    if (running.has(service)) throw new Error(`${service} is already running`);
    const spec: ServiceContainerSpec = plan.services[service];
    const image = images.get(service);
    if (!image || !network) throw new Error(`${service} cannot start: the platform is not set up`);
    try {
      const started = await new tc.GenericContainer(image)
        .withNetwork(network)
        .withNetworkAliases(spec.networkAlias)
        .withLabels({ [RUN_LABEL]: `${runId}/${service}` })
        .withEnvironment(spec.environment)
        .withExposedPorts(...spec.exposedPorts)
        .withDroppedCapabilities(...spec.droppedCapabilities)
        .withSecurityOpt(...spec.securityOptions)
        .withLogConsumer((stream) => logs.follow(service, stream))
        .withWaitStrategy(
          tc.Wait.forHttp(spec.readiness.path, spec.readiness.port, {
            abortOnContainerExit: true,
          }).forStatusCode(spec.readiness.status),
        )
        .withStartupTimeout(readyTimeoutMs)
        .start();
      running.set(service, started);
    } catch (error) {
      // A container whose readiness timed out is still there, holding its host ports.
      await removeLeftovers(service).catch(() => undefined);
      throw new Error(
        `${service} (${image}) was not ready: ${error instanceof Error ? error.message : String(error)}\n${logs.recent(service)}`,
        { cause: error },
      );
    }
  };

  const stopService = async (service: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const container = running.get(service);
    if (!container) return;
    running.delete(service);
    // docker stop sends the image's stop signal (SIGTERM) and kills after the timeout; SIGKILL
    // stands for a crash, so nothing is given time.
    await container.stop({
      timeout: signal === 'SIGKILL' ? 0 : plan.services[service].stopTimeoutMs,
      remove: true,
    });
  };

  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(SERVICE_NAMES.map((service) => stopService(service)));
    await Promise.allSettled(SERVICE_NAMES.map((service) => removeLeftovers(service)));
    await Promise.allSettled([kafka?.stop({ remove: true }), postgres?.stop({ remove: true })]);
    await network?.stop().catch(() => undefined);
    logs.close();
  };

  try {
    // One build at a time: the targets share the build stage, which the first build leaves cached.
    for (const service of SERVICE_NAMES) {
      const source = plan.services[service].source;
      images.set(
        service,
        'image' in source
          ? source.image
          : await buildImage(tc, source.dockerfile.context, source.dockerfile.target),
      );
    }
    network = await new tc.Network().start();
    const [startedKafka, startedPostgres] = await Promise.allSettled([
      new KafkaContainer(
        options.kafkaImage || process.env['PUSHMAIL_KAFKA_IMAGE'] || 'confluentinc/cp-kafka:8.1.0',
      )
        .withNetwork(network)
        .withNetworkAliases(plan.kafka.alias)
        .withHostname(plan.kafka.hostname)
        .withEnvironment({
          // Topics come from the contracts: each service creates them at boot.
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_NUM_PARTITIONS: '3',
          KAFKA_MESSAGE_MAX_BYTES: '33554432',
          KAFKA_REPLICA_FETCH_MAX_BYTES: '33554432',
        })
        .start(),
      new PostgreSqlContainer(
        options.postgresImage || process.env['PUSHMAIL_POSTGRES_IMAGE'] || 'postgres:16-alpine',
      )
        .withDatabase(plan.postgres.database)
        .withUsername(plan.postgres.user)
        .withPassword(plan.postgres.password)
        .withNetwork(network)
        .withNetworkAliases(plan.postgres.alias)
        .start(),
    ]);
    if (startedKafka.status === 'fulfilled') kafka = startedKafka.value;
    if (startedPostgres.status === 'fulfilled') postgres = startedPostgres.value;
    if (startedKafka.status === 'rejected') throw startedKafka.reason;
    if (startedPostgres.status === 'rejected') throw startedPostgres.reason;

    const started = await Promise.allSettled(SERVICE_NAMES.map((service) => startService(service)));
    const failed = started.filter((result) => result.status === 'rejected');
    if (failed.length > 0) throw failed[0]!.reason;
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (!kafka || !postgres) throw new Error('Kafka or Postgres did not start');

  return {
    runtime: 'containers',
    host,
    ports: hostPorts,
    smtp: plan.endpoints.smtp,
    sessionUrl: plan.endpoints.sessionUrl,
    websocketUrl: plan.endpoints.websocketUrl,
    registryUrl: plan.endpoints.registryUrl,
    operationsUrl: plan.endpoints.operationsUrl,
    activesyncUrl: plan.endpoints.activesyncUrl,
    adminToken,
    databaseUrl: postgres.getConnectionUri(),
    kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(KAFKA.hostListenerPort)}`,
    // The containers have a broker of their own.
    topicPrefix: '',
    mailDomains,
    processes: new Map(),
    stopService,
    startService,
    async restart(service, signal = 'SIGTERM') {
      await stopService(service, signal);
      await startService(service);
    },
    stop: stopAll,
  };
}

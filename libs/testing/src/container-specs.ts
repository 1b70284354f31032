import {
  SERVICE_NAMES,
  type PlatformEndpoints,
  type PlatformPorts,
  type ServiceName,
} from './platform-harness.js';

/**
 * Where each service listens inside its container: the ports the Dockerfile exposes and
 * docker-compose.yml configures. On the platform's network every service is reached by its name,
 * as in docker-compose.yml and behind the Kubernetes Services.
 */
export const CONTAINER_PORTS: PlatformPorts = {
  smtp: 2525,
  push: 8080,
  registry: 8081,
  mailbox: 8082,
  ingest: 8083,
  operations: 8085,
  activesync: 8084,
  outbound: 8086,
};

/**
 * Kafka and Postgres on the platform's network. @testcontainers/kafka gives clients on the
 * container's network a listener of their own on 9092 (BROKER), advertised under the container's
 * hostname; the broker's hostname is set to its alias so that the advertised name is the one the
 * services bootstrap from. The host reaches Kafka on the mapped 9093 instead.
 */
export const KAFKA = { alias: 'kafka', networkPort: 9092, hostListenerPort: 9093 } as const;
export const POSTGRES = { alias: 'postgres', port: 5432, database: 'pushmail', user: 'pushmail' } as const;

/** How long each service may drain on SIGTERM before it is killed: its compose stop_grace_period. */
const STOP_TIMEOUT_MS: Record<ServiceName, number> = {
  'device-registry': 20_000,
  mailbox: 30_000,
  ingest: 40_000,
  'push-delivery': 30_000,
  operations: 20_000,
  activesync: 30_000,
  outbound: 90_000,
};

/** The key of `PlatformPorts` each service's HTTP port (health, metrics, API) is under. */
const HTTP_PORT_OF: Record<ServiceName, keyof PlatformPorts> = {
  'device-registry': 'registry',
  mailbox: 'mailbox',
  ingest: 'ingest',
  'push-delivery': 'push',
  operations: 'operations',
  activesync: 'activesync',
  outbound: 'outbound',
};

const PUBLISHED_PORTS_OF: Record<ServiceName, Array<keyof PlatformPorts>> = {
  'device-registry': ['registry'],
  mailbox: ['mailbox'],
  ingest: ['smtp', 'ingest'],
  'push-delivery': ['push'],
  operations: ['operations'],
  activesync: ['activesync'],
  outbound: ['outbound'],
};

export interface ContainerPlanInput {
  /** Where the test reaches the published ports: the Docker host. */
  host: string;
  /** The host port each container port is published on. */
  hostPorts: PlatformPorts;
  /** Ready-made images by service; a service without one is built from its Dockerfile target. */
  images?: Partial<Record<ServiceName, string>>;
  /** The directory holding the Dockerfile (the build context). */
  dockerContext: string;
  postgresPassword: string;
  adminToken: string;
  internalToken: string;
  mailDomains: string[];
  logLevel: string;
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

export type ImageSource = { image: string } | { dockerfile: { context: string; target: string } };

export interface ServiceContainerSpec {
  service: ServiceName;
  source: ImageSource;
  /** Its name on the platform's network. */
  networkAlias: string;
  environment: Record<string, string>;
  /** Every container port, published on a fixed host port so that a replaced container keeps it. */
  exposedPorts: Array<{ container: number; host: number }>;
  /** Ready once this answers 200: readiness checks Postgres and Kafka. */
  readiness: { path: string; port: number; status: number };
  /** How long a SIGTERM may take before the container is killed. */
  stopTimeoutMs: number;
  /** Least privilege, as in docker-compose.yml. */
  droppedCapabilities: string[];
  securityOptions: string[];
  /** The service's HTTP base URL as the other services see it. */
  networkUrl: string;
  /** The service's HTTP base URL as the test sees it. */
  hostUrl: string;
}

export interface ContainerPlan {
  services: Record<ServiceName, ServiceContainerSpec>;
  kafka: { alias: string; hostname: string; brokers: string };
  postgres: { alias: string; database: string; user: string; password: string; url: string };
  /** What the test is given: the addresses devices and mail servers use, on the Docker host. */
  endpoints: PlatformEndpoints;
}

const networkHttpUrl = (service: ServiceName): string =>
  `http://${service}:${CONTAINER_PORTS[HTTP_PORT_OF[service]]}`;

/**
 * The six services as containers on one network with Kafka and Postgres: the counterpart of
 * docker-compose.yml for a test run, with no I/O, so that it is checked without a Docker engine.
 * Addresses between services use network aliases; the URLs handed to devices (the JMAP session and
 * WebSocket) use the Docker host and the published ports, because that is where the test's clients
 * are.
 */
export function planContainerPlatform(input: ContainerPlanInput): ContainerPlan {
  const publicUrl = `http://${input.host}:${input.hostPorts.push}`;
  const kafkaBrokers = `${KAFKA.alias}:${KAFKA.networkPort}`;
  const databaseUrl =
    `postgres://${POSTGRES.user}:${encodeURIComponent(input.postgresPassword)}` +
    `@${POSTGRES.alias}:${POSTGRES.port}/${POSTGRES.database}`;
  const common: Record<string, string> = {
    KAFKA_BROKERS: kafkaBrokers,
    LOG_LEVEL: input.logLevel,
    HTTP_HOST: '0.0.0.0',
  };
  const environmentOf: Record<ServiceName, Record<string, string>> = {
    'device-registry': {
      REGISTRY_HTTP_PORT: String(CONTAINER_PORTS.registry),
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: input.adminToken,
      INTERNAL_TOKEN: input.internalToken,
      PUBLIC_JMAP_URL: `${publicUrl}/.well-known/jmap`,
    },
    operations: {
      OPERATIONS_HTTP_PORT: String(CONTAINER_PORTS.operations),
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: input.adminToken,
      REGISTRY_URL: networkHttpUrl('device-registry'),
      OUTBOUND_URL: networkHttpUrl('outbound'),
      // The self-test hands its mail to ingest and connects as the device over the platform's
      // network, as the services see each other.
      SELFTEST_SMTP_HOST: 'ingest',
      SELFTEST_SMTP_PORT: String(CONTAINER_PORTS.smtp),
      SELFTEST_JMAP_WS_URL: `ws://push-delivery:${CONTAINER_PORTS.push}/jmap/ws`,
      CONSOLE_METRICS_URLS: SERVICE_NAMES.map((service) => `${service}=${networkHttpUrl(service)}`).join(','),
    },
    mailbox: {
      MAILBOX_HTTP_PORT: String(CONTAINER_PORTS.mailbox),
      DATABASE_URL: databaseUrl,
      INTERNAL_TOKEN: input.internalToken,
    },
    ingest: {
      INGEST_HTTP_PORT: String(CONTAINER_PORTS.ingest),
      SMTP_PORT: String(CONTAINER_PORTS.smtp),
      SMTP_HOST: '0.0.0.0',
      MAIL_DOMAINS: input.mailDomains.join(','),
    },
    'push-delivery': {
      PUSH_HTTP_PORT: String(CONTAINER_PORTS.push),
      INTERNAL_TOKEN: input.internalToken,
      PUBLIC_URL: publicUrl,
      MAILBOX_URL: networkHttpUrl('mailbox'),
      REGISTRY_URL: networkHttpUrl('device-registry'),
    },
    activesync: {
      ACTIVESYNC_HTTP_PORT: String(CONTAINER_PORTS.activesync),
      DATABASE_URL: databaseUrl,
      INTERNAL_TOKEN: input.internalToken,
      ACTIVESYNC_PUBLIC_URL: `http://${input.host}:${input.hostPorts.activesync}`,
      MAILBOX_URL: networkHttpUrl('mailbox'),
      REGISTRY_URL: networkHttpUrl('device-registry'),
    },
    outbound: {
      OUTBOUND_HTTP_PORT: String(CONTAINER_PORTS.outbound),
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: input.adminToken,
      MAIL_DOMAINS: input.mailDomains.join(','),
    },
  };

  const spec = (service: ServiceName): ServiceContainerSpec => {
    const image = input.images?.[service];
    return {
      service,
      source: image ? { image } : { dockerfile: { context: input.dockerContext, target: service } },
      networkAlias: service,
      environment: {
        ...common,
        ...environmentOf[service],
        ...input.env,
        ...input.serviceEnv?.[service],
      },
      exposedPorts: PUBLISHED_PORTS_OF[service].map((port) => ({
        container: CONTAINER_PORTS[port],
        host: input.hostPorts[port],
      })),
      readiness: { path: '/health/ready', port: CONTAINER_PORTS[HTTP_PORT_OF[service]], status: 200 },
      stopTimeoutMs: STOP_TIMEOUT_MS[service],
      droppedCapabilities: ['ALL'],
      securityOptions: ['no-new-privileges:true'],
      networkUrl: networkHttpUrl(service),
      hostUrl: `http://${input.host}:${input.hostPorts[HTTP_PORT_OF[service]]}`,
    };
  };

  return {
    services: Object.fromEntries(SERVICE_NAMES.map((service) => [service, spec(service)])) as Record<
      ServiceName,
      ServiceContainerSpec
    >,
    kafka: { alias: KAFKA.alias, hostname: KAFKA.alias, brokers: kafkaBrokers },
    postgres: {
      alias: POSTGRES.alias,
      database: POSTGRES.database,
      user: POSTGRES.user,
      password: input.postgresPassword,
      url: databaseUrl,
    },
    endpoints: {
      smtp: { host: input.host, port: input.hostPorts.smtp },
      sessionUrl: `${publicUrl}/.well-known/jmap`,
      websocketUrl: `ws://${input.host}:${input.hostPorts.push}/jmap/ws`,
      registryUrl: `http://${input.host}:${input.hostPorts.registry}`,
      operationsUrl: `http://${input.host}:${input.hostPorts.operations}`,
      activesyncUrl: `http://${input.host}:${input.hostPorts.activesync}`,
    },
  };
}

/**
 * The ready-made image of each service: the caller's, else `pushmail/<service>:<tag>` when a tag is
 * given (images built beforehand and named as the Dockerfile's header names them). A service left
 * out is built from its Dockerfile target.
 */
export function chosenImages(
  given: Partial<Record<ServiceName, string>> | undefined,
  tag: string | undefined,
): Partial<Record<ServiceName, string>> {
  const images: Partial<Record<ServiceName, string>> = {};
  for (const service of SERVICE_NAMES) {
    const image = given?.[service] ?? (tag ? `pushmail/${service}:${tag}` : undefined);
    if (image) images[service] = image;
  }
  return images;
}

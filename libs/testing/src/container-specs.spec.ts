import { describe, expect, it } from 'vitest';
import {
  CONTAINER_PORTS,
  chosenImages,
  planContainerPlatform,
  type ContainerPlanInput,
} from './container-specs.js';
import { SERVICE_NAMES } from './platform-harness.js';

const input: ContainerPlanInput = {
  host: 'docker.test',
  hostPorts: {
    smtp: 40025,
    push: 40080,
    registry: 40081,
    mailbox: 40082,
    ingest: 40083,
    operations: 40085,
    activesync: 40084,
    outbound: 40086,
  },
  images: { ingest: 'pushmail/ingest:dev' },
  dockerContext: '/src/pushmail',
  postgresPassword: 'p@ss/word',
  adminToken: `pma_${'a'.repeat(40)}`,
  internalToken: 'i'.repeat(43),
  mailDomains: ['example.com', 'example.org'],
  logLevel: 'debug',
};

describe(planContainerPlatform.name, () => {
  const plan = planContainerPlatform(input);
  const env = (service: (typeof SERVICE_NAMES)[number]) => plan.services[service].environment;

  it('points every service at the broker listener Kafka keeps for its own network', () => {
    for (const service of SERVICE_NAMES) expect(env(service)['KAFKA_BROKERS']).toBe('kafka:9092');
    expect(plan.kafka).toEqual({ alias: 'kafka', hostname: 'kafka', brokers: 'kafka:9092' });
  });

  it('gives the database by its network alias, with the password escaped, to the services that own data only', () => {
    const url = 'postgres://pushmail:p%40ss%2Fword@postgres:5432/pushmail';
    expect(env('device-registry')['DATABASE_URL']).toBe(url);
    expect(env('mailbox')['DATABASE_URL']).toBe(url);
    expect(env('operations')['DATABASE_URL']).toBe(url);
    expect(env('ingest')).not.toHaveProperty('DATABASE_URL');
    expect(env('push-delivery')).not.toHaveProperty('DATABASE_URL');
    expect(plan.postgres).toMatchObject({ alias: 'postgres', user: 'pushmail', database: 'pushmail', url });
    expect(new URL(url).password).toBe(encodeURIComponent('p@ss/word'));
  });

  it('shares one internal token between the services that talk to each other, and the admin token with the registry and operations only', () => {
    for (const service of ['device-registry', 'mailbox', 'push-delivery'] as const)
      expect(env(service)['INTERNAL_TOKEN']).toBe(input.internalToken);
    expect(env('ingest')).not.toHaveProperty('INTERNAL_TOKEN');
    expect(env('device-registry')['ADMIN_TOKEN']).toBe(input.adminToken);
    expect(env('operations')['ADMIN_TOKEN']).toBe(input.adminToken);
    expect(env('operations')).not.toHaveProperty('INTERNAL_TOKEN');
    for (const service of ['mailbox', 'ingest', 'push-delivery'] as const)
      expect(env(service)).not.toHaveProperty('ADMIN_TOKEN');
  });

  it('tells ingest which domains to accept', () => {
    expect(env('ingest')['MAIL_DOMAINS']).toBe('example.com,example.org');
  });

  it('builds the URLs a device is handed from the Docker host and the published push port', () => {
    expect(env('push-delivery')['PUBLIC_URL']).toBe('http://docker.test:40080');
    expect(env('device-registry')['PUBLIC_JMAP_URL']).toBe('http://docker.test:40080/.well-known/jmap');
    expect(plan.endpoints).toEqual({
      smtp: { host: 'docker.test', port: 40025 },
      sessionUrl: 'http://docker.test:40080/.well-known/jmap',
      websocketUrl: 'ws://docker.test:40080/jmap/ws',
      registryUrl: 'http://docker.test:40081',
      operationsUrl: 'http://docker.test:40085',
      activesyncUrl: 'http://docker.test:40084',
    });
  });

  it('lets push-delivery reach mailbox and the registry, and operations the registry, by their aliases on the network', () => {
    expect(env('push-delivery')['MAILBOX_URL']).toBe('http://mailbox:8082');
    expect(env('push-delivery')['REGISTRY_URL']).toBe('http://device-registry:8081');
    expect(env('operations')['REGISTRY_URL']).toBe('http://device-registry:8081');
  });

  it('sends the self-test and the console counters through the network, as the services see each other', () => {
    expect(env('operations')['SELFTEST_SMTP_HOST']).toBe('ingest');
    expect(env('operations')['SELFTEST_SMTP_PORT']).toBe('2525');
    expect(env('operations')['SELFTEST_JMAP_WS_URL']).toBe('ws://push-delivery:8080/jmap/ws');
    expect(env('operations')['CONSOLE_METRICS_URLS']!.split(',').sort()).toEqual([
      'activesync=http://activesync:8084',
      'device-registry=http://device-registry:8081',
      'ingest=http://ingest:8083',
      'mailbox=http://mailbox:8082',
      'operations=http://operations:8085',
      'outbound=http://outbound:8086',
      'push-delivery=http://push-delivery:8080',
    ]);
    expect(env('device-registry')).not.toHaveProperty('SELFTEST_SMTP_HOST');
  });

  it('makes every service listen on all interfaces of its container, on the port the plan publishes', () => {
    const portVariable = {
      'device-registry': 'REGISTRY_HTTP_PORT',
      mailbox: 'MAILBOX_HTTP_PORT',
      ingest: 'INGEST_HTTP_PORT',
      'push-delivery': 'PUSH_HTTP_PORT',
      operations: 'OPERATIONS_HTTP_PORT',
      activesync: 'ACTIVESYNC_HTTP_PORT',
      outbound: 'OUTBOUND_HTTP_PORT',
    } as const;
    for (const service of SERVICE_NAMES) {
      const spec = plan.services[service];
      expect(spec.environment['HTTP_HOST']).toBe('0.0.0.0');
      expect(Number(spec.environment[portVariable[service]])).toBe(spec.readiness.port);
      expect(spec.exposedPorts.map((port) => port.container)).toContain(spec.readiness.port);
    }
    expect(env('ingest')['SMTP_HOST']).toBe('0.0.0.0');
    expect(Number(env('ingest')['SMTP_PORT'])).toBe(CONTAINER_PORTS.smtp);
  });

  it('publishes each container port on the host port chosen for it, and reports that address', () => {
    expect(plan.services.ingest.exposedPorts).toEqual([
      { container: 2525, host: 40025 },
      { container: 8083, host: 40083 },
    ]);
    expect(plan.services['push-delivery'].exposedPorts).toEqual([{ container: 8080, host: 40080 }]);
    expect(plan.services['device-registry'].exposedPorts).toEqual([{ container: 8081, host: 40081 }]);
    expect(plan.services.mailbox.exposedPorts).toEqual([{ container: 8082, host: 40082 }]);
    expect(plan.services.operations.exposedPorts).toEqual([{ container: 8085, host: 40085 }]);
    expect(plan.services.mailbox.hostUrl).toBe('http://docker.test:40082');
    expect(plan.services.mailbox.networkUrl).toBe('http://mailbox:8082');
  });

  it('waits for readiness, which checks Postgres and Kafka, not mere liveness', () => {
    for (const service of SERVICE_NAMES)
      expect(plan.services[service].readiness).toMatchObject({ path: '/health/ready', status: 200 });
  });

  it('names each container on the network as the other services address it', () => {
    for (const service of SERVICE_NAMES) expect(plan.services[service].networkAlias).toBe(service);
  });

  it('runs a given image as it is and builds the others from their Dockerfile target', () => {
    expect(plan.services.ingest.source).toEqual({ image: 'pushmail/ingest:dev' });
    expect(plan.services.mailbox.source).toEqual({
      dockerfile: { context: '/src/pushmail', target: 'mailbox' },
    });
    expect(plan.services['push-delivery'].source).toEqual({
      dockerfile: { context: '/src/pushmail', target: 'push-delivery' },
    });
  });

  it('lets the caller override any variable, per service last', () => {
    const overridden = planContainerPlatform({
      ...input,
      env: { LOG_LEVEL: 'warn', MAIL_DOMAINS: 'everywhere.test' },
      serviceEnv: { ingest: { MAIL_DOMAINS: 'only-here.test' } },
    });
    expect(overridden.services.mailbox.environment['LOG_LEVEL']).toBe('warn');
    expect(overridden.services.ingest.environment['MAIL_DOMAINS']).toBe('only-here.test');
    expect(overridden.services.mailbox.environment['MAIL_DOMAINS']).toBe('everywhere.test');
  });

  it('keeps the least privilege of docker-compose.yml', () => {
    for (const service of SERVICE_NAMES) {
      expect(plan.services[service].droppedCapabilities).toEqual(['ALL']);
      expect(plan.services[service].securityOptions).toEqual(['no-new-privileges:true']);
    }
  });
});

describe(chosenImages.name, () => {
  it('prefers the caller’s image, then the tagged project image, and leaves the rest to be built', () => {
    expect(chosenImages({ ingest: 'registry.test/ingest:1' }, 'ci-42')).toEqual({
      ingest: 'registry.test/ingest:1',
      mailbox: 'pushmail/mailbox:ci-42',
      'device-registry': 'pushmail/device-registry:ci-42',
      'push-delivery': 'pushmail/push-delivery:ci-42',
      operations: 'pushmail/operations:ci-42',
      activesync: 'pushmail/activesync:ci-42',
      outbound: 'pushmail/outbound:ci-42',
    });
    expect(chosenImages({ mailbox: 'mine:latest' }, undefined)).toEqual({ mailbox: 'mine:latest' });
    expect(chosenImages(undefined, undefined)).toEqual({});
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@pushmail/platform';
import { planContainerPlatform } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './kustomize.js';
import { serviceExpectations, serviceNames } from './services.js';

// The test kit's container runtime is one more deployment of the services: it is held to the same
// expectations as docker-compose.yml and the Kubernetes manifests.
const plan = planContainerPlatform({
  host: 'localhost',
  hostPorts: {
    smtp: 41025,
    push: 41080,
    registry: 41081,
    mailbox: 41082,
    ingest: 41083,
    operations: 41084,
    activesync: 41086,
    outbound: 41087,
  },
  dockerContext: repositoryRoot,
  postgresPassword: 'c'.repeat(24),
  adminToken: `pma_${'a'.repeat(43)}`,
  internalToken: 'b'.repeat(43),
  mailDomains: ['example.com'],
  logLevel: 'info',
});

/** The ports each Dockerfile target exposes, by target. */
function exposedByTarget(): Map<string, number[]> {
  const exposed = new Map<string, number[]>();
  let stage: string | undefined;
  for (const line of readFileSync(join(repositoryRoot, 'Dockerfile'), 'utf8').split('\n')) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) stage = from[1];
    const expose = /^EXPOSE\s+(.+)$/i.exec(line);
    if (expose && stage) exposed.set(stage, expose[1]!.trim().split(/\s+/).map(Number));
  }
  return exposed;
}

describe('the test kit’s containers', () => {
  it.each(serviceNames)('give %s a configuration it accepts, of variables it reads', (service) => {
    const { environment } = plan.services[service];
    const expected = serviceExpectations[service];
    expect(() => loadConfig(expected.config, environment)).not.toThrow();
    const known = Object.keys(expected.config.shape);
    expect(Object.keys(environment).filter((name) => !known.includes(name))).toEqual([]);
  });

  it.each(serviceNames)('publish the ports %s listens on and wait on its HTTP port', (service) => {
    const spec = plan.services[service];
    const expected = serviceExpectations[service];
    expect(spec.readiness.port).toBe(expected.httpPort);
    expect(spec.exposedPorts.map((port) => port.container).sort()).toEqual(
      [expected.httpPort, ...Object.values(expected.extraPorts)].sort(),
    );
  });

  it.each(serviceNames)('build %s from a Dockerfile target that exposes those ports', (service) => {
    const spec = plan.services[service];
    if (!('dockerfile' in spec.source)) throw new Error(`${service} has a given image`);
    const exposed = exposedByTarget().get(spec.source.dockerfile.target);
    expect(exposed?.sort()).toEqual(spec.exposedPorts.map((port) => port.container).sort());
  });

  it.each(serviceNames)('give %s as long to drain on SIGTERM as compose does', (service) => {
    expect(plan.services[service].stopTimeoutMs).toBe(serviceExpectations[service].drainSeconds * 1000);
  });

  it('hand push-delivery the published address devices reach it on', () => {
    const config = loadConfig(
      serviceExpectations['push-delivery'].config,
      plan.services['push-delivery'].environment,
    );
    expect(config.PUBLIC_URL).toBe('http://localhost:41080');
    expect(config.KAFKA_BROKERS).toEqual(['kafka:9092']);
  });
});

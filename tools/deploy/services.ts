import type { z } from 'zod';
import { registryConfigSchema } from '../../apps/device-registry/src/config/registry-config.js';
import { ingestConfigSchema } from '../../apps/ingest/src/config/ingest-config.js';
import { mailboxConfigSchema } from '../../apps/mailbox/src/config/mailbox-config.js';
import { operationsConfigSchema } from '../../apps/operations/src/config/operations-config.js';
import { outboundConfigSchema } from '../../apps/outbound/src/config/outbound-config.js';
import { pushConfigSchema } from '../../apps/push-delivery/src/config/push-config.js';
import { activeSyncConfigSchema } from '../../apps/activesync/src/config/activesync-config.js';

/**
 * What every deployment of a service must agree on: the configuration schema it validates at boot,
 * the port its health endpoints answer on, and how long it needs to drain on SIGTERM. The
 * deployment tests hold the Dockerfile, docker-compose.yml and the Kubernetes manifests to it.
 */
export interface ServiceExpectations {
  config: z.ZodObject;
  httpPortVariable: string;
  httpPort: number;
  /** Ports other than the HTTP one, by name. */
  extraPorts: Record<string, number>;
  drainSeconds: number;
}

export const serviceExpectations = {
  ingest: {
    config: ingestConfigSchema,
    httpPortVariable: 'INGEST_HTTP_PORT',
    httpPort: 8083,
    extraPorts: { smtp: 2525 },
    drainSeconds: 40,
  },
  mailbox: {
    config: mailboxConfigSchema,
    httpPortVariable: 'MAILBOX_HTTP_PORT',
    httpPort: 8082,
    extraPorts: {},
    drainSeconds: 30,
  },
  'device-registry': {
    config: registryConfigSchema,
    httpPortVariable: 'REGISTRY_HTTP_PORT',
    httpPort: 8081,
    extraPorts: {},
    drainSeconds: 20,
  },
  'push-delivery': {
    config: pushConfigSchema,
    httpPortVariable: 'PUSH_HTTP_PORT',
    httpPort: 8080,
    extraPorts: {},
    drainSeconds: 30,
  },
  operations: {
    config: operationsConfigSchema,
    httpPortVariable: 'OPERATIONS_HTTP_PORT',
    httpPort: 8085,
    extraPorts: {},
    drainSeconds: 20,
  },
  activesync: {
    config: activeSyncConfigSchema,
    httpPortVariable: 'ACTIVESYNC_HTTP_PORT',
    httpPort: 8084,
    extraPorts: {},
    drainSeconds: 30,
  },
  outbound: {
    config: outboundConfigSchema,
    httpPortVariable: 'OUTBOUND_HTTP_PORT',
    httpPort: 8086,
    extraPorts: {},
    drainSeconds: 90,
  },
} satisfies Record<string, ServiceExpectations>;

export type ServiceName = keyof typeof serviceExpectations;
export const serviceNames = Object.keys(serviceExpectations) as ServiceName[];

/** Stand-ins for secret values, shaped as the services expect them. */
export const placeholderSecrets: Record<string, string> = {
  'pushmail-secrets/database-url': 'postgres://pushmail:placeholder@postgres:5432/pushmail',
  'pushmail-secrets/admin-token': `pma_${'a'.repeat(43)}`,
  'pushmail-secrets/internal-token': 'b'.repeat(43),
  'pushmail-secrets/relay-url': 'smtp://pushmail:placeholder@smarthost.example.com:587',
  'pushmail-secrets/postgres-password': 'c'.repeat(43),
  // A VAPID key pair's shape (P-256, base64url): `npm run webpush:vapid-keys` makes a real one.
  'pushmail-secrets/webpush-vapid-public-key': `B${'d'.repeat(86)}`,
  'pushmail-secrets/webpush-vapid-private-key': 'e'.repeat(43),
  'pushmail-db-app/uri': 'postgresql://pushmail:placeholder@pushmail-db-rw.pushmail:5432/pushmail',
};

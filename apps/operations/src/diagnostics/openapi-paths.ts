import { z } from 'zod';
import { selfTestSchema } from '../selftest/dto/selftest.dto.js';

type Json = { [key: string]: unknown };

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const admin = [{ adminToken: [] }];
const errors = (...codes: number[]): Json =>
  Object.fromEntries(codes.map((code) => [String(code), { $ref: `#/components/responses/E${code}` }]));
const ok = (description: string, schema: Json): Json => ({
  '200': { description, content: { 'application/json': { schema } } },
});
const accountId: Json = {
  name: 'accountId',
  in: 'path',
  required: true,
  description: 'The account id.',
  schema: { type: 'string', format: 'uuid' },
};
const deviceId: Json = {
  name: 'deviceId',
  in: 'path',
  required: true,
  description: 'The device id.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
};
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });

export const diagnosticsSchemas: Record<string, Json> = {
  TrailRecord: {
    type: 'object',
    description:
      'One event of a device: socket, ping, push, request, failed authentication, or a registry decision.',
    required: ['id', 'accountId', 'deviceId', 'kind', 'at', 'source'],
    properties: {
      id: { type: 'string' },
      accountId: { type: 'string', format: 'uuid' },
      deviceId: nullable({ type: 'string' }),
      kind: {
        type: 'string',
        enum: [
          'connected',
          'disconnected',
          'ping',
          'pong',
          'pushSent',
          'request',
          'authFailed',
          'accessDecision',
          'policyDecision',
          'wipeStep',
        ],
      },
      at: { type: 'string', format: 'date-time' },
      source: { type: 'string' },
      detail: { type: 'string' },
      close: {
        type: 'object',
        description: 'code, reason, by (client, server, network), lifetimeMs, pingIntervalMs',
      },
      request: { type: 'object', description: 'methods, ok, durationMs, error' },
      auth: { type: 'object', description: 'status and reason' },
      count: { type: 'integer', description: 'How many like records this one stands for.' },
      clientAddress: { type: 'string' },
      decision: { type: 'object', description: 'For registry decisions: access, policy or wipe.' },
    },
  },
  Finding: {
    type: 'object',
    required: ['code', 'severity', 'title', 'evidence', 'fix'],
    properties: {
      code: {
        type: 'string',
        enum: [
          'idleConnectionCut',
          'reconnectStorm',
          'policyNotAcknowledged',
          'quarantined',
          'blocked',
          'partnershipLimitReached',
          'authFailures',
          'pushesNotFetched',
          'stalePartnership',
          'wipePending',
        ],
      },
      severity: { type: 'string', enum: ['info', 'warning', 'error'] },
      title: { type: 'string' },
      evidence: { type: 'object' },
      fix: { type: 'string' },
    },
  },
  DeviceDiagnosis: {
    type: 'object',
    required: ['accountId', 'deviceId', 'address', 'status', 'lastSyncAt', 'findings'],
    properties: {
      accountId: { type: 'string', format: 'uuid' },
      deviceId: { type: 'string' },
      address: { type: 'string' },
      status: { type: 'string', enum: ['ok', 'info', 'warning', 'error'] },
      lastSyncAt: nullable({ type: 'string', format: 'date-time' }),
      findings: { type: 'array', items: ref('Finding') },
    },
  },
  SelfTestReport: {
    type: 'object',
    required: ['accountId', 'address', 'ok', 'stoppedAt', 'diagnosis', 'hops', 'startedAt', 'totalMs'],
    properties: {
      accountId: { type: 'string', format: 'uuid' },
      address: { type: 'string' },
      ok: { type: 'boolean' },
      stoppedAt: nullable({ type: 'string', enum: ['websocket', 'smtp', 'kafka', 'store', 'push', 'fetch'] }),
      diagnosis: { type: 'string' },
      hops: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'ok', 'ms', 'detail'],
          properties: {
            name: { type: 'string', enum: ['websocket', 'smtp', 'kafka', 'store', 'push', 'fetch'] },
            ok: { type: 'boolean' },
            ms: nullable({
              type: 'integer',
              description: 'After the message was handed to SMTP (websocket: the handshake).',
            }),
            detail: { type: 'string' },
          },
        },
      },
      startedAt: { type: 'string', format: 'date-time' },
      totalMs: { type: 'integer' },
    },
  },
};

function body(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete json['$schema'];
  return { required: true, content: { 'application/json': { schema: json } } };
}

export const diagnosticsPaths: Record<string, Json> = {
  '/admin/accounts/{accountId}/devices/{deviceId}/trail': {
    parameters: [accountId, deviceId],
    get: {
      operationId: 'getDeviceTrail',
      summary:
        "A device's diagnostic trail, newest first (records without a device concern the whole account)",
      tags: ['diagnostics'],
      security: admin,
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          description: 'At most this many.',
          schema: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
        },
      ],
      responses: {
        ...ok('The trail', {
          type: 'object',
          required: ['accountId', 'deviceId', 'records'],
          properties: {
            accountId: { type: 'string' },
            deviceId: { type: 'string' },
            records: { type: 'array', items: ref('TrailRecord') },
          },
        }),
        ...errors(400, 401, 404),
      },
    },
  },
  '/admin/accounts/{accountId}/devices/{deviceId}/findings': {
    parameters: [accountId, deviceId],
    get: {
      operationId: 'getDeviceFindings',
      summary: 'Why this device does (not) get mail: its status and each finding with evidence and fix',
      tags: ['diagnostics'],
      security: admin,
      responses: { ...ok('The diagnosis', ref('DeviceDiagnosis')), ...errors(400, 401, 404) },
    },
  },
  '/admin/accounts/{accountId}/findings': {
    parameters: [accountId],
    get: {
      operationId: 'getAccountFindings',
      summary: 'The diagnosis of every device of an account',
      tags: ['diagnostics'],
      security: admin,
      responses: {
        ...ok('One diagnosis per device', {
          type: 'object',
          required: ['accountId', 'devices'],
          properties: {
            accountId: { type: 'string' },
            devices: { type: 'array', items: ref('DeviceDiagnosis') },
          },
        }),
        ...errors(400, 401, 404),
      },
    },
  },
  '/admin/findings': {
    get: {
      operationId: 'listFindings',
      summary: 'Every device of the organisation with a finding, worst first',
      tags: ['diagnostics'],
      security: admin,
      parameters: [
        {
          name: 'minimum',
          in: 'query',
          required: false,
          description: 'Leave out findings below this severity.',
          schema: { type: 'string', enum: ['info', 'warning', 'error'], default: 'info' },
        },
      ],
      responses: {
        ...ok('Devices with a finding', {
          type: 'object',
          required: ['devices', 'examined'],
          properties: {
            devices: { type: 'array', items: ref('DeviceDiagnosis') },
            examined: { type: 'integer' },
          },
        }),
        ...errors(400, 401),
      },
    },
  },
  '/admin/live': {
    get: {
      operationId: 'getLiveCounters',
      summary:
        "The console's live counters: sockets, message rates and consumer lag from each service's /metrics",
      tags: ['diagnostics'],
      security: admin,
      responses: {
        ...ok('Samples per service (CONSOLE_METRICS_URLS)', {
          type: 'object',
          required: ['at', 'services'],
          properties: {
            at: { type: 'string', format: 'date-time' },
            services: {
              type: 'array',
              items: {
                type: 'object',
                required: ['service', 'ok', 'samples'],
                properties: {
                  service: { type: 'string' },
                  ok: { type: 'boolean' },
                  error: { type: 'string' },
                  samples: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['name', 'labels', 'value'],
                      properties: {
                        name: { type: 'string' },
                        labels: { type: 'string' },
                        value: { type: 'number' },
                      },
                    },
                  },
                },
              },
            },
          },
        }),
        ...errors(401),
      },
    },
  },
  '/admin/selftest': {
    post: {
      operationId: 'runSelfTest',
      summary: 'Send the account a mail and follow it as the device: SMTP, Kafka, store, push, fetch',
      tags: ['diagnostics'],
      security: admin,
      requestBody: body(selfTestSchema),
      responses: {
        ...ok('Each hop with its time, or where mail stopped', ref('SelfTestReport')),
        ...errors(400, 401, 404),
      },
    },
  },
};

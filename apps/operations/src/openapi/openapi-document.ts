import { buildOpenApiDocument, type Json } from '@pushmail/platform';
import { z } from 'zod';
import { LiveCountersController } from '../console/live-counters.controller.js';
import { DiagnosticsController } from '../diagnostics/diagnostics.controller.js';
import { SelfTestController } from '../selftest/selftest.controller.js';

const errorSchema = z
  .looseObject({
    error: z.string().describe('A stable machine-readable code, e.g. `invalid_request`, `not_found`.'),
    message: z.string().optional().describe('What went wrong and what to do about it.'),
  })
  .meta({ id: 'Error' });

/**
 * The controllers whose routes operations answers itself. `GET /admin/openapi.json` is described by
 * device-registry's document, which serves the same operation.
 */
export const documentedControllers = [DiagnosticsController, LiveCountersController, SelfTestController];

/** The OpenAPI 3.1 description of the admin routes operations answers itself, generated from its controllers. */
export function operationsOpenApi(): Json {
  return buildOpenApiDocument({
    info: {
      title: 'pushmail operations',
      version: '1.0.0',
      summary: 'Device trail and findings, the connectivity self-test and the live counters.',
    },
    tags: ['diagnostics'],
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of device-registry.' },
    },
    errors: {
      400: 'The request is malformed; `message` names each bad field.',
      401: 'The admin bearer token is missing or wrong.',
      404: 'No such account or device.',
    },
    errorSchema,
    controllers: documentedControllers,
  });
}

function paths(document: Json): Record<string, Json> {
  return (document['paths'] ?? {}) as Record<string, Json>;
}

function component(document: Json, kind: string): Json {
  return ((document['components'] as Json | undefined)?.[kind] ?? {}) as Json;
}

/**
 * The admin API as the console and the CLI see it through operations: device-registry's document with
 * operations' own operations added. Components both define (the problem body, the shared error
 * responses, the admin token) are device-registry's; an operation both describe is an error.
 */
export function withOperations(registryDocument: Json, own: Json = operationsOpenApi()): Json {
  const merged: Record<string, Json> = { ...paths(registryDocument) };
  for (const [path, item] of Object.entries(paths(own))) {
    const existing = merged[path] ?? {};
    const twice = Object.keys(item).filter((method) => method in existing);
    if (twice.length > 0) throw new Error(`${twice.join(', ')} ${path} is in both documents`);
    merged[path] = { ...existing, ...item };
  }
  const tags = (document: Json): Json[] => (document['tags'] ?? []) as Json[];
  const registryTags = new Set(tags(registryDocument).map((tag) => tag['name']));
  const components = Object.fromEntries(
    ['securitySchemes', 'schemas', 'responses'].map((kind) => [
      kind,
      { ...component(own, kind), ...component(registryDocument, kind) },
    ]),
  );
  return {
    ...registryDocument,
    servers: [{ url: 'http://127.0.0.1:8085', description: 'A local operations service' }],
    tags: [...tags(registryDocument), ...tags(own).filter((tag) => !registryTags.has(tag['name']))],
    paths: merged,
    components: { ...(registryDocument['components'] as Json), ...components },
  };
}

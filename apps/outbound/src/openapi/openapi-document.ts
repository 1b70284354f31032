import { buildOpenApiDocument, type Json } from '@pushmail/platform';
import { z } from 'zod';
import { QueueController } from '../usecases/administer-queue/queue.controller.js';
import { DomainDkimController } from '../usecases/rotate-dkim-key/domain-dkim.controller.js';

/** The problem body, as device-registry's and operations' documents name it. */
const problem = z
  .looseObject({
    error: z.string().describe('A stable machine-readable code, e.g. `not_found`, `rotation_pending`.'),
    message: z.string().optional().describe('What went wrong and what to do about it.'),
  })
  .meta({ id: 'Error' });

/** The controllers of outbound's admin API. Its own `GET /admin/openapi.json` is device-registry's operation. */
export const documentedControllers = [DomainDkimController, QueueController];

/**
 * The OpenAPI 3.1 description of outbound's admin API, generated from its controllers; committed as
 * `apps/outbound/openapi.json` and merged by operations into the admin API the console and CLI use.
 */
export function outboundOpenApi(): Json {
  return buildOpenApiDocument({
    info: {
      title: 'pushmail outbound',
      version: '1.0.0',
      summary: "Hosted domains' DKIM keys and the outbound queue.",
    },
    tags: ['sending'],
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of device-registry.' },
    },
    errors: {
      400: 'The request is malformed; `message` names each bad field.',
      401: 'The admin bearer token is missing or wrong.',
      404: 'No such hosted domain, or no such delivery waiting in the queue.',
      409: 'Conflicts with the current state (a rotation already pending, a delivery being tried).',
    },
    errorSchema: problem,
    controllers: documentedControllers,
  });
}

import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { LiveCountersController } from '../console/live-counters.controller.js';
import { DiagnosticsController } from '../diagnostics/diagnostics.controller.js';
import { diagnosticsPaths } from '../diagnostics/openapi-paths.js';
import { SelfTestController } from '../selftest/selftest.controller.js';
import { withOperations } from './openapi.controller.js';

/** The shape of device-registry's document that operations' part refers to. */
const registryDocument = {
  openapi: '3.1.0',
  info: { title: 'pushmail device-registry', version: '1.0.0' },
  tags: [{ name: 'accounts' }],
  paths: {},
  components: {
    securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    },
    responses: Object.fromEntries(
      [400, 401, 403, 404, 409, 429, 502].map((code) => [
        `E${code}`,
        {
          description: `HTTP ${code}`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      ]),
    ),
  },
};

/** `METHOD /path/{param}` for every route operations answers itself under `/admin`. */
function servedOperations(): string[] {
  return [DiagnosticsController, SelfTestController, LiveCountersController]
    .flatMap((controller) => {
      const base = String(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = controller.prototype as unknown as Record<string, object>;
      return Object.getOwnPropertyNames(prototype)
        .filter((name) => name !== 'constructor')
        .map((name) => ({
          path: Reflect.getMetadata(PATH_METADATA, prototype[name]!) as string | undefined,
          method: Reflect.getMetadata(METHOD_METADATA, prototype[name]!) as RequestMethod | undefined,
        }))
        .filter((route) => route.path !== undefined && route.method !== undefined)
        .map(
          (route) =>
            `${RequestMethod[route.method!]} /${[base, route.path].filter((part) => part && part !== '/').join('/')}`,
        );
    })
    .map((operation) => operation.replace(/:(\w+)/g, '{$1}'))
    .sort();
}

describe(withOperations.name, () => {
  it("adds operations' routes to device-registry's document and stays a valid OpenAPI 3.1 document", async () => {
    const document = withOperations(registryDocument);
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document['components']).toMatchObject({ schemas: { Error: expect.any(Object) } });
  });

  it('describes every admin route operations serves, and nothing else', () => {
    const documented = Object.entries(diagnosticsPaths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(documented).toEqual(servedOperations());
  });
});

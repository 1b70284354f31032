import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { deviceRegistryOpenApi, documentedControllers } from './openapi-document.js';

const REGENERATE = 'npx vitest run --project unit apps/device-registry/src/openapi -u';
const documentPath = '../../openapi.json';
const typesPath = '../../../../libs/contracts/src/admin-api/device-registry-api.ts';

/** Formatted as the repository formats files, so that formatting it never makes it drift. */
async function formatted(text: string, relativePath: string): Promise<string> {
  const filepath = fileURLToPath(new URL(relativePath, import.meta.url));
  return format(text, { ...(await resolveConfig(filepath)), filepath });
}

/** `METHOD /path/{param}` for every route Nest serves from these controllers. */
function servedOperations(controllers: readonly (new (...args: never[]) => unknown)[]): string[] {
  const operations: string[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      const full = `/${[base, path].filter((part) => part && part !== '/').join('/')}`.replace(
        /:(\w+)/g,
        '{$1}',
      );
      operations.push(`${RequestMethod[method]} ${full}`);
    }
  }
  return operations.sort();
}

function documentedOperations(): string[] {
  const paths = deviceRegistryOpenApi()['paths'] as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe(deviceRegistryOpenApi.name, () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(deviceRegistryOpenApi());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every admin and device route the service serves, and nothing else', () => {
    expect(documentedOperations()).toEqual(servedOperations(documentedControllers));
  });

  it('asks for the admin credential on every admin operation', () => {
    const paths = deviceRegistryOpenApi()['paths'] as Record<string, Record<string, { security?: unknown }>>;
    for (const [path, item] of Object.entries(paths)) {
      if (!path.startsWith('/admin')) continue;
      for (const [method, operation] of Object.entries(item)) {
        expect(operation.security, `${method} ${path}`).toEqual([{ adminToken: [] }]);
      }
    }
  });

  it('is what apps/device-registry/openapi.json holds', async () => {
    const text = await formatted(JSON.stringify(deviceRegistryOpenApi()), documentPath);
    await expect(text, `openapi.json is stale: ${REGENERATE}`).toMatchFileSnapshot(documentPath);
  });

  it('is what the clients’ generated types were generated from', async () => {
    const types = astToString(
      await openapiTS(deviceRegistryOpenApi() as unknown as Parameters<typeof openapiTS>[0]),
    );
    const header = [
      '// Generated from apps/device-registry/openapi.json by openapi-typescript: do not edit by hand.',
      `// Regenerate: ${REGENERATE}`,
      '',
    ].join('\n');
    const text = await formatted(header + types, typesPath);
    await expect(text, `the admin API types are stale: ${REGENERATE}`).toMatchFileSnapshot(typesPath);
  });
});

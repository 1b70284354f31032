import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { AccessController } from '../access/access.controller.js';
import { AccountsController } from '../accounts/accounts.controller.js';
import { AdminDevicesController, AdminOrgDevicesController } from '../devices/admin-devices.controller.js';
import { DevicesController } from '../devices/devices.controller.js';
import { PoliciesController } from '../policies/policies.controller.js';
import { SettingsController } from '../settings/settings.controller.js';
import { WipesController } from '../wipes/wipes.controller.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { OpenApiController } from './openapi.controller.js';

const documentedControllers = [
  AccountsController,
  AdminDevicesController,
  AdminOrgDevicesController,
  AccessController,
  PoliciesController,
  SettingsController,
  WipesController,
  OpenApiController,
  DevicesController,
];

/** `METHOD /path/{param}` for every route Nest serves from these controllers. */
function servedOperations(): string[] {
  const operations: string[] = [];
  for (const controller of documentedControllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = controller.prototype as unknown as Record<string, unknown>;
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
  const paths = buildOpenApiDocument()['paths'] as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

describe(buildOpenApiDocument.name, () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(buildOpenApiDocument());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every admin and device route the service serves, and nothing else', () => {
    expect(documentedOperations()).toEqual(servedOperations());
  });

  it('asks for the admin credential on every admin operation', () => {
    const paths = buildOpenApiDocument()['paths'] as Record<string, Record<string, { security?: unknown }>>;
    for (const [path, item] of Object.entries(paths)) {
      if (!path.startsWith('/admin')) continue;
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        expect(operation.security, `${method} ${path}`).toEqual([{ adminToken: [] }]);
      }
    }
  });
});

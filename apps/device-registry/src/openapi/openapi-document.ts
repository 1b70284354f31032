import { buildOpenApiDocument, type Json } from '@pushmail/platform';
import { z } from 'zod';
import { AccessController } from '../access/access.controller.js';
import { AccountsController } from '../accounts/accounts.controller.js';
import { AdminDevicesController, AdminOrgDevicesController } from '../devices/admin-devices.controller.js';
import { DevicesController } from '../devices/devices.controller.js';
import { PoliciesController } from '../policies/policies.controller.js';
import { SettingsController } from '../settings/settings.controller.js';
import { WipesController } from '../wipes/wipes.controller.js';
import { OpenApiController } from './openapi.controller.js';

const errorSchema = z
  .looseObject({
    error: z
      .string()
      .describe(
        'A stable machine-readable code, e.g. `device_limit_reached`, `account_locked`, `device_blocked`.',
      ),
    message: z.string().optional().describe('What went wrong and what to do about it.'),
  })
  .meta({ id: 'Error' });

/** The controllers whose routes the document describes, in the order it lists them. */
export const documentedControllers = [
  OpenApiController,
  AccountsController,
  AdminDevicesController,
  AdminOrgDevicesController,
  AccessController,
  SettingsController,
  PoliciesController,
  WipesController,
  DevicesController,
];

/**
 * The OpenAPI 3.1 description of device-registry's admin API and device endpoints, generated from
 * the controllers and their zod schemas. Committed as `apps/device-registry/openapi.json`, from
 * which the clients' types are generated.
 */
export function deviceRegistryOpenApi(): Json {
  return buildOpenApiDocument({
    info: {
      title: 'pushmail device-registry',
      version: '1.0.0',
      summary: 'Accounts, device partnerships, access rules, policies and remote wipes.',
      description:
        'Every `/admin` operation needs the admin credential: `Authorization: Bearer <ADMIN_TOKEN>`. Changes to access, policies and wipes reach connected devices within a second.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:8081', description: 'A local device-registry' }],
    tags: ['accounts', 'devices', 'access', 'policies', 'wipes', 'settings', 'device'],
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of device-registry.' },
      deviceToken: { type: 'http', scheme: 'bearer', description: 'A device token (`pmd_...`).' },
    },
    errors: {
      400: 'The request is malformed; `message` names each bad field.',
      401: 'The admin bearer token is missing or wrong.',
      403: 'Refused: `error` says why (device limit, blocked device, disabled account, wiped device).',
      404: 'No such account, device, rule, policy or wipe.',
      409: 'Conflicts with the current state (duplicate, pending wipe, policy in use).',
      429: 'Too many failed sign-ins: the account is locked (see `lockedUntil` and `Retry-After`).',
    },
    errorSchema,
    controllers: documentedControllers,
  });
}

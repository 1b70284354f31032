import { devicePolicySettingsV1 } from '@pushmail/contracts';
import { z } from 'zod';
import { createAccessRuleSchema, setExemptionSchema } from '../access/dto/access.dto.js';
import { createAccountSchema } from '../accounts/dto/create-account.dto.js';
import { registerDeviceSchema } from '../devices/dto/register-device.dto.js';
import { createPolicySchema, updatePolicySchema } from '../policies/dto/policy.dto.js';
import { requestWipeSchema } from '../wipes/dto/wipe.dto.js';

type Json = { [key: string]: unknown };

/** Request bodies come from the same zod schemas the endpoints validate with, so they cannot drift. */
function bodySchema(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete json['$schema'];
  return json;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const str = (description?: string, extra: Json = {}): Json => ({
  type: 'string',
  ...(description ? { description } : {}),
  ...extra,
});
const dateTime: Json = { type: 'string', format: 'date-time' };
const uuid: Json = { type: 'string', format: 'uuid' };
const accessLevel: Json = { type: 'string', enum: ['allowed', 'blocked', 'quarantined'] };

function object(properties: Record<string, Json>, description?: string): Json {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    required: Object.keys(properties),
    properties,
  };
}

const jsonBody = (schema: Json, description?: string): Json => ({
  required: true,
  ...(description ? { description } : {}),
  content: { 'application/json': { schema } },
});
const jsonResponse = (description: string, schema: Json): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...codes: number[]): Record<string, Json> =>
  Object.fromEntries(codes.map((code) => [String(code), { $ref: `#/components/responses/E${code}` }]));
const noContent = (description: string): Record<string, Json> => ({ '204': { description } });

const pathParameter = (name: string, schema: Json, description: string): Json => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});
const queryParameter = (name: string, schema: Json, description: string): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const accountIdParameter = pathParameter('accountId', uuid, 'The account id.');
const deviceIdParameter = pathParameter(
  'deviceId',
  { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  'The device id the device registered with (or the one derived for a standard client).',
);

const adminOnly = [{ adminToken: [] }];

function operation(
  operationId: string,
  summary: string,
  tags: string[],
  responses: Record<string, Json>,
  extra: Json = {},
): Json {
  return { operationId, summary, tags, security: adminOnly, responses, ...extra };
}

const schemas: Record<string, Json> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: str(
        'A stable machine-readable code, e.g. `device_limit_reached`, `account_locked`, `device_blocked`.',
      ),
      message: str('What went wrong and what to do about it.'),
    },
    additionalProperties: true,
  },
  Account: object({
    accountId: uuid,
    address: str(undefined, { format: 'email' }),
    displayName: nullable(str()),
    status: { type: 'string', enum: ['active', 'disabled', 'deleted'] },
    revision: { type: 'integer' },
    publishedRevision: {
      type: 'integer',
      description: 'Below `revision` while a snapshot still waits to reach Kafka.',
    },
    deviceCount: { type: 'integer' },
    policyId: nullable({ ...uuid, description: 'The account’s own policy; null follows the default.' }),
    failedSignIns: { type: 'integer', description: 'Failed sign-ins in the current window.' },
    lockedUntil: nullable({
      ...dateTime,
      description: 'Set while sign-ins are refused after too many failures.',
    }),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  AccountPage: object({ accounts: { type: 'array', items: ref('Account') }, nextCursor: nullable(str()) }),
  Device: object(
    {
      accountId: uuid,
      address: str(),
      deviceId: str(),
      deviceType: str(),
      model: str(),
      os: nullable(str()),
      userAgent: nullable(str()),
      access: accessLevel,
      accessReason: nullable(str('The rule that decided `access`.')),
      accessSource: { type: 'string', enum: ['exemption', 'rule', 'default'] },
      accessRuleId: nullable(uuid),
      accessDecidedAt: dateTime,
      exemption: nullable({ type: 'string', enum: ['allowed', 'blocked'] }),
      authMethod: { type: 'string', enum: ['token', 'password'] },
      status: { type: 'string', enum: ['active', 'wiped'] },
      wipedAt: nullable(dateTime),
      firstSyncAt: nullable(dateTime),
      lastSyncAt: nullable(dateTime),
      lastSeenAddress: nullable(str()),
      policy: nullable(object({ policyId: uuid, name: str(), version: { type: 'integer' } })),
      acknowledgedPolicy: nullable(
        object({ policyId: uuid, version: { type: 'integer' }, acknowledgedAt: nullable(dateTime) }),
      ),
      policyAcknowledged: { type: 'boolean' },
      pendingWipe: nullable(
        object({
          wipeId: uuid,
          kind: { type: 'string', enum: ['full', 'account'] },
          requestedBy: str(),
          requestedAt: dateTime,
        }),
      ),
      liveTokens: { type: 'integer' },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
    'A partnership: one device of one account.',
  ),
  DevicePage: object({ devices: { type: 'array', items: ref('Device') }, nextCursor: nullable(str()) }),
  AccessRule: object({
    ruleId: uuid,
    matchField: { type: 'string', enum: ['deviceType', 'model'] },
    pattern: str('Case-insensitive, whole value; `*` matches any run of characters.'),
    access: accessLevel,
    description: nullable(str()),
    createdAt: dateTime,
  }),
  Exemption: object({
    accountId: uuid,
    deviceId: str(),
    access: { type: 'string', enum: ['allowed', 'blocked'] },
    note: nullable(str()),
    createdAt: dateTime,
  }),
  Settings: object({ defaultAccess: accessLevel, defaultPolicyId: nullable(uuid) }),
  PolicySettings: bodySchema(devicePolicySettingsV1),
  Policy: object({
    policyId: uuid,
    name: str(),
    version: { type: 'integer', description: 'Grows with every change; devices acknowledge a version.' },
    settings: ref('PolicySettings'),
    isDefault: { type: 'boolean' },
    assignedAccounts: { type: 'integer' },
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  Wipe: object({
    wipeId: uuid,
    accountId: uuid,
    deviceId: str(),
    kind: { type: 'string', enum: ['full', 'account'] },
    status: { type: 'string', enum: ['pending', 'confirmed', 'cancelled'] },
    requestedBy: str(),
    requestedAt: dateTime,
    confirmedAt: nullable(dateTime),
    cancelledAt: nullable(dateTime),
    cancelledBy: nullable(str()),
  }),
  Registration: object({
    accountId: uuid,
    deviceId: str(),
    token: str('The device token: shown once, stored only as a digest.'),
    sessionUrl: nullable(str()),
    access: accessLevel,
    accessRule: str(),
  }),
};

const responses: Record<string, Json> = Object.fromEntries(
  (
    [
      [400, 'The request is malformed; `message` names each bad field.'],
      [401, 'The admin bearer token is missing or wrong.'],
      [403, 'Refused: `error` says why (device limit, blocked device, disabled account, wiped device).'],
      [404, 'No such account, device, rule, policy or wipe.'],
      [409, 'Conflicts with the current state (duplicate, pending wipe, policy in use).'],
      [429, 'Too many failed sign-ins: the account is locked (see `lockedUntil` and `Retry-After`).'],
    ] as const
  ).map(([code, description]) => [`E${code}`, jsonResponse(description, ref('Error'))]),
);

const tags = ['accounts', 'devices', 'access', 'policies', 'wipes', 'settings', 'device'];

/** The OpenAPI 3.1 description of device-registry's admin API and device endpoints, served as JSON. */
export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'pushmail device-registry',
      version: '1.0.0',
      summary: 'Accounts, device partnerships, access rules, policies and remote wipes.',
      description:
        'Every `/admin` operation needs the admin credential: `Authorization: Bearer <ADMIN_TOKEN>`. Changes to access, policies and wipes reach connected devices within a second.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:8081', description: 'A local device-registry' }],
    tags: tags.map((name) => ({ name })),
    paths: {
      '/admin/openapi.json': {
        get: operation('getOpenApi', 'This document', ['settings'], {
          '200': jsonResponse('The OpenAPI document', { type: 'object' }),
          ...errors(401),
        }),
      },
      '/admin/accounts': {
        get: operation(
          'listAccounts',
          'List accounts in address order',
          ['accounts'],
          { '200': jsonResponse('A page of accounts', ref('AccountPage')), ...errors(400, 401) },
          {
            parameters: [
              queryParameter(
                'limit',
                { type: 'integer', minimum: 1, maximum: 200, default: 50 },
                'Page size.',
              ),
              queryParameter('cursor', { type: 'string' }, 'The `nextCursor` of the previous page.'),
              queryParameter(
                'locked',
                { type: 'string', enum: ['true', 'false'] },
                'Only accounts locked out now.',
              ),
              queryParameter(
                'address',
                { type: 'string', format: 'email' },
                'Only the account with this address.',
              ),
            ],
          },
        ),
        post: operation(
          'createAccount',
          'Create an account',
          ['accounts'],
          {
            '201': jsonResponse('Created', object({ accountId: uuid, address: str() })),
            ...errors(400, 401, 409),
          },
          { requestBody: jsonBody(bodySchema(createAccountSchema)) },
        ),
      },
      '/admin/accounts/{accountId}': {
        parameters: [accountIdParameter],
        get: operation('getAccount', 'One account, with its lockout state', ['accounts'], {
          '200': jsonResponse('The account', ref('Account')),
          ...errors(400, 401, 404),
        }),
      },
      '/admin/accounts/{accountId}/unlock': {
        parameters: [accountIdParameter],
        post: operation('unlockAccount', 'Lift a sign-in lockout', ['accounts'], {
          '200': jsonResponse('The account, unlocked', ref('Account')),
          ...errors(400, 401, 404),
        }),
      },
      '/admin/accounts/{accountId}/policy': {
        parameters: [accountIdParameter],
        put: operation(
          'assignPolicy',
          'Give the account its own policy (or null to follow the default)',
          ['policies', 'accounts'],
          { '200': jsonResponse('The account', ref('Account')), ...errors(400, 401, 404) },
          { requestBody: jsonBody(object({ policyId: nullable(uuid) })) },
        ),
      },
      '/admin/accounts/{accountId}/devices': {
        parameters: [accountIdParameter],
        get: operation('listAccountDevices', "The account's partnerships", ['devices'], {
          '200': jsonResponse(
            'Devices',
            object({ accountId: uuid, devices: { type: 'array', items: ref('Device') } }),
          ),
          ...errors(400, 401, 404),
        }),
      },
      '/admin/accounts/{accountId}/devices/{deviceId}': {
        parameters: [accountIdParameter, deviceIdParameter],
        get: operation('getDevice', 'One partnership', ['devices'], {
          '200': jsonResponse('The device', ref('Device')),
          ...errors(400, 401, 404),
        }),
        delete: operation(
          'removeDevice',
          'End the partnership: tokens die, the place under the limit is freed',
          ['devices'],
          {
            ...noContent('Removed'),
            ...errors(400, 401, 404),
          },
        ),
      },
      '/admin/accounts/{accountId}/devices/{deviceId}/access': {
        parameters: [accountIdParameter, deviceIdParameter],
        put: operation(
          'setDeviceAccess',
          'Always allow or always block this device of this account (an exemption)',
          ['access', 'devices'],
          { '200': jsonResponse('The exemption', ref('Exemption')), ...errors(400, 401, 404) },
          { requestBody: jsonBody(bodySchema(setExemptionSchema)) },
        ),
        delete: operation(
          'clearDeviceAccess',
          'Drop the exemption: rules and the default decide again',
          ['access', 'devices'],
          {
            ...noContent('Cleared'),
            ...errors(400, 401, 404),
          },
        ),
      },
      '/admin/accounts/{accountId}/devices/{deviceId}/wipe': {
        parameters: [accountIdParameter, deviceIdParameter],
        post: operation(
          'requestWipe',
          'Ask the device to wipe itself (full) or this account’s data (account)',
          ['wipes', 'devices'],
          {
            '202': jsonResponse('The wipe, pending until the device confirms', ref('Wipe')),
            ...errors(400, 401, 404, 409),
          },
          { requestBody: jsonBody(bodySchema(requestWipeSchema)) },
        ),
        delete: operation(
          'cancelWipe',
          'Withdraw a pending wipe',
          ['wipes', 'devices'],
          { '200': jsonResponse('The cancelled wipe', ref('Wipe')), ...errors(400, 401, 404) },
          { parameters: [queryParameter('cancelledBy', { type: 'string' }, 'Who withdraws it.')] },
        ),
      },
      '/admin/devices': {
        get: operation(
          'searchDevices',
          'Search partnerships across the organisation',
          ['devices'],
          { '200': jsonResponse('A page of devices', ref('DevicePage')), ...errors(400, 401) },
          {
            parameters: [
              queryParameter('accountId', uuid, 'Only this account.'),
              queryParameter('access', accessLevel, 'Only this access level.'),
              queryParameter('status', { type: 'string', enum: ['active', 'wiped'] }, 'Only this status.'),
              queryParameter(
                'q',
                { type: 'string' },
                'Part of the device id, model, type, user agent or address.',
              ),
              queryParameter('syncedBefore', dateTime, 'Not synced since (or never).'),
              queryParameter('syncedSince', dateTime, 'Synced since.'),
              queryParameter(
                'limit',
                { type: 'integer', minimum: 1, maximum: 500, default: 100 },
                'Page size.',
              ),
              queryParameter('cursor', { type: 'string' }, 'The `nextCursor` of the previous page.'),
            ],
          },
        ),
      },
      '/admin/access/rules': {
        get: operation('listAccessRules', 'Access rules', ['access'], {
          '200': jsonResponse('Rules', object({ rules: { type: 'array', items: ref('AccessRule') } })),
          ...errors(401),
        }),
        post: operation(
          'createAccessRule',
          'Add a rule; partnerships are decided again at once',
          ['access'],
          { '201': jsonResponse('The rule', ref('AccessRule')), ...errors(400, 401, 409) },
          { requestBody: jsonBody(bodySchema(createAccessRuleSchema)) },
        ),
      },
      '/admin/access/rules/{ruleId}': {
        parameters: [pathParameter('ruleId', uuid, 'The rule id.')],
        delete: operation(
          'deleteAccessRule',
          'Delete a rule; partnerships are decided again at once',
          ['access'],
          {
            ...noContent('Deleted'),
            ...errors(400, 401, 404),
          },
        ),
      },
      '/admin/access/exemptions': {
        get: operation(
          'listExemptions',
          'Per-device exemptions',
          ['access'],
          {
            '200': jsonResponse(
              'Exemptions',
              object({ exemptions: { type: 'array', items: ref('Exemption') } }),
            ),
            ...errors(400, 401),
          },
          { parameters: [queryParameter('accountId', uuid, 'Only this account.')] },
        ),
      },
      '/admin/settings': {
        get: operation('getSettings', 'Organisation defaults', ['settings'], {
          '200': jsonResponse('Settings', ref('Settings')),
          ...errors(401),
        }),
        put: operation(
          'updateSettings',
          'Change the default access and/or default policy',
          ['settings'],
          { '200': jsonResponse('Settings', ref('Settings')), ...errors(400, 401, 404) },
          {
            requestBody: jsonBody({
              type: 'object',
              properties: { defaultAccess: accessLevel, defaultPolicyId: nullable(uuid) },
              minProperties: 1,
            }),
          },
        ),
      },
      '/admin/policies': {
        get: operation('listPolicies', 'Device policies', ['policies'], {
          '200': jsonResponse('Policies', object({ policies: { type: 'array', items: ref('Policy') } })),
          ...errors(401),
        }),
        post: operation(
          'createPolicy',
          'Create a policy',
          ['policies'],
          { '201': jsonResponse('The policy', ref('Policy')), ...errors(400, 401, 409) },
          { requestBody: jsonBody(bodySchema(createPolicySchema)) },
        ),
      },
      '/admin/policies/{policyId}': {
        parameters: [pathParameter('policyId', uuid, 'The policy id.')],
        get: operation('getPolicy', 'One policy', ['policies'], {
          '200': jsonResponse('The policy', ref('Policy')),
          ...errors(400, 401, 404),
        }),
        put: operation(
          'updatePolicy',
          'Change a policy: a new version every device under it must acknowledge',
          ['policies'],
          { '200': jsonResponse('The policy', ref('Policy')), ...errors(400, 401, 404, 409) },
          { requestBody: jsonBody(bodySchema(updatePolicySchema)) },
        ),
        delete: operation('deletePolicy', 'Delete a policy no account uses', ['policies'], {
          ...noContent('Deleted'),
          ...errors(400, 401, 404, 409),
        }),
      },
      '/admin/wipes': {
        get: operation(
          'listWipes',
          'Remote wipes, newest first',
          ['wipes'],
          {
            '200': jsonResponse('Wipes', object({ wipes: { type: 'array', items: ref('Wipe') } })),
            ...errors(400, 401),
          },
          {
            parameters: [
              queryParameter('accountId', uuid, 'Only this account.'),
              queryParameter(
                'status',
                { type: 'string', enum: ['pending', 'confirmed', 'cancelled'] },
                'Only this status.',
              ),
              queryParameter(
                'limit',
                { type: 'integer', minimum: 1, maximum: 500, default: 100 },
                'At most this many.',
              ),
            ],
          },
        ),
      },
      '/admin/wipes/{wipeId}': {
        parameters: [pathParameter('wipeId', uuid, 'The wipe id.')],
        get: operation('getWipe', 'One wipe', ['wipes'], {
          '200': jsonResponse('The wipe', ref('Wipe')),
          ...errors(400, 401, 404),
        }),
      },
      '/v1/devices': {
        post: {
          operationId: 'registerDevice',
          summary: "A device signs in with the account's password and receives its own token",
          tags: ['device'],
          security: [],
          requestBody: jsonBody(bodySchema(registerDeviceSchema)),
          responses: {
            '200': jsonResponse('An existing partnership, refreshed', ref('Registration')),
            '201': jsonResponse('A new partnership', ref('Registration')),
            ...errors(400, 403, 429),
            '401': jsonResponse('Wrong address or password', ref('Error')),
          },
        },
      },
      '/v1/devices/token': {
        post: {
          operationId: 'rotateDeviceToken',
          summary: 'Trade the current device token for a new one; the old one stops at once',
          tags: ['device'],
          security: [{ deviceToken: [] }],
          responses: {
            '200': jsonResponse('The new token', object({ accountId: uuid, deviceId: str(), token: str() })),
            '401': jsonResponse('Unknown or revoked token', ref('Error')),
            ...errors(403),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of device-registry.' },
        deviceToken: { type: 'http', scheme: 'bearer', description: 'A device token (`pmd_...`).' },
      },
      schemas,
      responses,
    },
  };
}

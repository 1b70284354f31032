// `npm run admin -- <command>`: the administrator's common calls to the admin API, through the
// operations service (which answers diagnostics itself and forwards the rest to device-registry), typed
// by the types generated from its OpenAPI document. Node runs it as it is (type stripping): erasable
// TypeScript only. The admin token comes from PUSHMAIL_ADMIN_TOKEN or ~/.cache/pushmail/admin-token
// (written by `npm start`); the URL from PUSHMAIL_ADMIN_URL.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AdminApiComponents, AdminApiPaths } from '@pushmail/contracts/admin-api';
import createClient, { type Client } from 'openapi-fetch';

type Schemas = AdminApiComponents['schemas'];
type PolicySettings = Partial<Schemas['PolicySettings']>;

const USAGE = `usage: npm run admin -- <command> [arguments] [--json]

accounts
  accounts list [--locked] [--limit N]          accounts, with device counts and lockouts
  accounts show <account>                       one account (<account> is an id or an address)
  accounts create <address> --password <pw>    create an account
  accounts unlock <account>                     lift a sign-in lockout
  accounts policy <account> <policyId|default>  give the account a policy, or the default again

devices (partnerships)
  devices list [<account>] [--access allowed|blocked|quarantined] [--status active|wiped]
               [--search TEXT] [--stale-days N]  one account's devices, or the organisation's
  devices show <account> <deviceId>
  devices allow <account> <deviceId> [--note TEXT]   always allow (also: approve a quarantined device)
  devices block <account> <deviceId> [--note TEXT]   always block; a connected device is cut off at once
  devices reset-access <account> <deviceId>          drop the exemption: rules decide again
  devices wipe <account> <deviceId> [--account-only] [--by NAME]
  devices cancel-wipe <account> <deviceId> [--by NAME]
  devices remove <account> <deviceId>                end the partnership, free a place under the limit

access rules and defaults
  rules list
  rules add <deviceType|model> <pattern> <allowed|blocked|quarantined> [--description TEXT]
  rules remove <ruleId>
  settings show
  settings set [--default-access LEVEL] [--default-policy <policyId|none>]

policies
  policies list
  policies show <policyId>
  policies create <name> [policy options]
  policies update <policyId> [--name NAME] [policy options]
  policies remove <policyId>
    policy options: --pin-required[=false] --min-pin-length N --lock-after-idle SECONDS
                    --wipe-after-failed-unlocks N --sync-window-days N --max-attachment-bytes N
                    (use "none" for no limit)

wipes
  wipes list [--account <account>] [--status pending|confirmed|cancelled]

diagnostics (why doesn't this phone get mail?)
  findings [<account> [<deviceId>]] [--minimum info|warning|error]
                                                the organisation's devices with a finding, one
                                                account's devices, or one device with evidence and fix
  trail <account> <deviceId> [--limit N]        a device's timeline, newest first
  selftest <account> [--token <deviceToken>] [--timeout MS]
                                                send the account a mail and follow it as the device:
                                                SMTP, Kafka, store, push, fetch; the device token
                                                from PUSHMAIL_DEVICE_TOKEN, where shell history and
                                                the process list do not see it, else --token

sending (outbound)
  domains dkim <domain> [show|rotate]           a hosted domain's DKIM keys and the DNS TXT records to
                                                publish; rotate makes a new key (new selector) that signs
                                                after outbound's DKIM_ROTATION_DELAY_MS, the old record
                                                staying to publish for DKIM_RETIRED_GRACE_MS
  queue list [--status queued|deferred] [--limit N]  the deliveries waiting to go out, oldest first
  queue retry <deliveryId>                      try it at the next pass of the queue
  queue drop <deliveryId>                       bounce it (a DSN to the sender) at the next pass
                                                (also: queue cancel)

  openapi                                       print the admin API's OpenAPI document

environment: PUSHMAIL_ADMIN_TOKEN (else ~/.cache/pushmail/admin-token), PUSHMAIL_DEVICE_TOKEN,
             PUSHMAIL_ADMIN_URL (the operations service, default http://127.0.0.1:8085; device-registry's
             own URL, also taken from PUSHMAIL_REGISTRY_URL, serves all but findings, trail and selftest)`;

class CliError extends Error {}

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  locked: { type: 'boolean' },
  limit: { type: 'string' },
  password: { type: 'string' },
  name: { type: 'string' },
  access: { type: 'string' },
  status: { type: 'string' },
  search: { type: 'string' },
  'stale-days': { type: 'string' },
  note: { type: 'string' },
  'account-only': { type: 'boolean' },
  by: { type: 'string' },
  description: { type: 'string' },
  'default-access': { type: 'string' },
  'default-policy': { type: 'string' },
  account: { type: 'string' },
  'pin-required': { type: 'string' },
  'min-pin-length': { type: 'string' },
  'lock-after-idle': { type: 'string' },
  'wipe-after-failed-unlocks': { type: 'string' },
  'sync-window-days': { type: 'string' },
  'max-attachment-bytes': { type: 'string' },
  minimum: { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
} as const;

function parse(argv: string[]) {
  // `--pin-required` alone means true; parseArgs wants a value for string options.
  const normalised = argv.map((arg) => (arg === '--pin-required' ? '--pin-required=true' : arg));
  try {
    return parseArgs({ args: normalised, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

type Values = ReturnType<typeof parse>['values'];

function adminToken(): string {
  if (process.env['PUSHMAIL_ADMIN_TOKEN']) return process.env['PUSHMAIL_ADMIN_TOKEN'].trim();
  const file = join(
    process.env['PUSHMAIL_CACHE_DIR'] || join(homedir(), '.cache', 'pushmail'),
    'admin-token',
  );
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliError(`no admin token: set PUSHMAIL_ADMIN_TOKEN or write it to ${file}`);
  }
}

const baseUrl = (
  process.env['PUSHMAIL_ADMIN_URL'] ||
  process.env['PUSHMAIL_REGISTRY_URL'] ||
  'http://127.0.0.1:8085'
).replace(/\/+$/, '');

let client: Client<AdminApiPaths> | undefined;

/** The admin API client, made on first use so that `--help` needs no token. */
function api(): Client<AdminApiPaths> {
  client ??= createClient<AdminApiPaths>({
    baseUrl,
    headers: { authorization: `Bearer ${adminToken()}`, accept: 'application/json' },
  });
  return client;
}

/** The answer's body, or a CliError saying why there is none. */
async function answer<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`the admin API is not reachable at ${baseUrl} (${cause})`);
  }
  const { data, error, response } = result;
  if (!response.ok) {
    const problem = error as { message?: string; error?: string } | string | undefined;
    const reason = problem && typeof problem === 'object' ? (problem.message ?? problem.error) : problem;
    throw new CliError(`HTTP ${response.status}: ${reason || response.statusText}`);
  }
  return data as T;
}

const isUuid = (value: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** An account id, or the id of the account with this address. */
async function accountIdOf(reference: string | undefined): Promise<string> {
  if (!reference) throw new CliError('name the account: its id or its address');
  if (isUuid(reference)) return reference;
  const page = await answer(
    api().GET('/admin/accounts', { params: { query: { address: reference, limit: 1 } } }),
  );
  const account = page.accounts[0];
  if (!account) throw new CliError(`no account ${reference}`);
  return account.accountId;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new CliError(`missing ${what}`);
  return value;
}

/** The account and device a device command names. */
async function deviceOf(rest: string[]): Promise<{ accountId: string; deviceId: string }> {
  return { accountId: await accountIdOf(rest[0]), deviceId: required(rest[1], 'the device id') };
}

function limitValue(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new CliError(`not a whole number: ${value}`);
  return number;
}

function policySettings(values: Values): PolicySettings {
  const settings: Record<string, unknown> = {};
  if (values['pin-required'] !== undefined) settings['pinRequired'] = values['pin-required'] !== 'false';
  if (values['min-pin-length'] !== undefined)
    settings['minPinLength'] = limitValue(values['min-pin-length']) ?? 0;
  const limits = {
    'lock-after-idle': 'lockAfterIdleSeconds',
    'wipe-after-failed-unlocks': 'wipeAfterFailedUnlocks',
    'sync-window-days': 'syncWindowDays',
    'max-attachment-bytes': 'maxAttachmentBytes',
  } as const;
  for (const [flag, field] of Object.entries(limits)) {
    if (values[flag as keyof typeof limits] !== undefined)
      settings[field] = limitValue(values[flag as keyof typeof limits]);
  }
  return settings as PolicySettings;
}

type Column<Row> = readonly [title: string, read: (row: Row) => unknown];

function table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map(([, read]) => String(read(row) ?? '-')));
  const widths = columns.map(([title], index) =>
    Math.max(title.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map(([title]) => title)), ...cells.map(line)].join('\n');
}

const deviceColumns: Column<Schemas['Device']>[] = [
  ['ACCOUNT', (device) => device.address],
  ['DEVICE', (device) => device.deviceId],
  ['TYPE', (device) => device.deviceType],
  ['MODEL', (device) => device.model],
  [
    'PROTOCOL',
    (device) => (device.protocolVersion ? `${device.protocol} ${device.protocolVersion}` : device.protocol),
  ],
  ['ACCESS', (device) => (device.status === 'wiped' ? 'wiped' : device.access)],
  ['DECIDED BY', (device) => device.accessReason],
  [
    'POLICY',
    (device) =>
      device.policy
        ? `v${device.policy.version}${device.policyAcknowledged ? '' : ' (not acknowledged)'}`
        : '',
  ],
  ['WIPE', (device) => (device.pendingWipe ? `${device.pendingWipe.kind} pending` : '')],
  ['LAST SYNC', (device) => device.lastSyncAt ?? 'never'],
  ['LAST COMMAND', (device) => device.lastCommand ?? ''],
  ['HEARTBEAT', (device) => (device.heartbeatSeconds === null ? '' : `${device.heartbeatSeconds}s`)],
];

interface Output {
  value?: unknown;
  text?: string | undefined;
}

async function run(argv: string[]): Promise<Output> {
  const { values, positionals } = parse(argv);
  const [group, action, ...rest] = positionals;
  if (values.help || !group) return { text: USAGE };
  const show = (value: unknown, text?: string): Output => ({
    value,
    text: values.json || text === undefined ? undefined : text,
  });

  if (group === 'findings' || group === 'trail' || group === 'selftest')
    return diagnostics(group, action, rest, values, show);
  if (group === 'domains' && action === 'dkim') return domainDkim(rest, show);
  if (group === 'queue') return queue(action, rest, values, show);

  switch (`${group} ${action ?? ''}`.trim()) {
    case 'accounts list': {
      const page = await answer(
        api().GET('/admin/accounts', {
          params: {
            query: { limit: Number(values.limit ?? '200'), ...(values.locked ? { locked: 'true' } : {}) },
          },
        }),
      );
      return show(
        page,
        table(page.accounts, [
          ['ACCOUNT', (account) => account.accountId],
          ['ADDRESS', (account) => account.address],
          ['STATUS', (account) => account.status],
          ['DEVICES', (account) => account.deviceCount],
          ['LOCKED UNTIL', (account) => account.lockedUntil ?? ''],
          ['POLICY', (account) => account.policyId ?? 'default'],
        ]) + (page.nextCursor ? '\n(more: raise --limit)' : ''),
      );
    }
    case 'accounts show': {
      const accountId = await accountIdOf(rest[0]);
      return show(
        await answer(api().GET('/admin/accounts/{accountId}', { params: { path: { accountId } } })),
      );
    }
    case 'accounts create':
      return show(
        await answer(
          api().POST('/admin/accounts', {
            body: {
              address: required(rest[0], 'the address'),
              password: required(values.password, '--password'),
              ...(values.name ? { displayName: values.name } : {}),
            },
          }),
        ),
      );
    case 'accounts unlock': {
      const accountId = await accountIdOf(rest[0]);
      return show(
        await answer(api().POST('/admin/accounts/{accountId}/unlock', { params: { path: { accountId } } })),
      );
    }
    case 'accounts policy': {
      const policy = required(rest[1], 'the policy id (or "default")');
      const accountId = await accountIdOf(rest[0]);
      return show(
        await answer(
          api().PUT('/admin/accounts/{accountId}/policy', {
            params: { path: { accountId } },
            body: { policyId: policy === 'default' ? null : policy },
          }),
        ),
      );
    }

    case 'devices list': {
      const query: NonNullable<AdminApiPaths['/admin/devices']['get']['parameters']['query']> = {
        limit: 500,
      };
      if (rest[0]) query.accountId = await accountIdOf(rest[0]);
      if (values.access) query.access = values.access as NonNullable<typeof query.access>;
      if (values.status) query.status = values.status as NonNullable<typeof query.status>;
      if (values.search) query.q = values.search;
      if (values['stale-days']) {
        query.syncedBefore = new Date(Date.now() - Number(values['stale-days']) * 86_400_000).toISOString();
      }
      const page = await answer(api().GET('/admin/devices', { params: { query } }));
      return show(
        page,
        table(page.devices, deviceColumns) + (page.nextCursor ? '\n(more devices: narrow the search)' : ''),
      );
    }
    case 'devices show': {
      const path = await deviceOf(rest);
      return show(
        await answer(api().GET('/admin/accounts/{accountId}/devices/{deviceId}', { params: { path } })),
      );
    }
    case 'devices allow':
    case 'devices block': {
      const path = await deviceOf(rest);
      return show(
        await answer(
          api().PUT('/admin/accounts/{accountId}/devices/{deviceId}/access', {
            params: { path },
            body: {
              access: action === 'allow' ? 'allowed' : 'blocked',
              ...(values.note ? { note: values.note } : {}),
            },
          }),
        ),
      );
    }
    case 'devices reset-access': {
      const path = await deviceOf(rest);
      await answer(
        api().DELETE('/admin/accounts/{accountId}/devices/{deviceId}/access', { params: { path } }),
      );
      return { text: 'exemption removed: the access rules decide again' };
    }
    case 'devices wipe': {
      const path = await deviceOf(rest);
      return show(
        await answer(
          api().POST('/admin/accounts/{accountId}/devices/{deviceId}/wipe', {
            params: { path },
            body: {
              kind: values['account-only'] ? 'account' : 'full',
              requestedBy: values.by ?? process.env['USER'] ?? 'administrator',
            },
          }),
        ),
      );
    }
    case 'devices cancel-wipe': {
      const path = await deviceOf(rest);
      const cancelledBy = values.by ?? process.env['USER'] ?? 'administrator';
      return show(
        await answer(
          api().DELETE('/admin/accounts/{accountId}/devices/{deviceId}/wipe', {
            params: { path, query: { cancelledBy } },
          }),
        ),
      );
    }
    case 'devices remove': {
      const path = await deviceOf(rest);
      await answer(api().DELETE('/admin/accounts/{accountId}/devices/{deviceId}', { params: { path } }));
      return { text: 'partnership removed' };
    }

    case 'rules list': {
      const { rules } = await answer(api().GET('/admin/access/rules'));
      return show(
        { rules },
        table(rules, [
          ['RULE', (rule) => rule.ruleId],
          ['MATCH', (rule) => rule.matchField],
          ['PATTERN', (rule) => rule.pattern],
          ['ACCESS', (rule) => rule.access],
          ['DESCRIPTION', (rule) => rule.description ?? ''],
        ]),
      );
    }
    case 'rules add':
      return show(
        await answer(
          api().POST('/admin/access/rules', {
            body: {
              matchField: required(
                rest[0],
                'what to match: deviceType or model',
              ) as Schemas['AccessRule']['matchField'],
              pattern: required(rest[1], 'the pattern'),
              access: required(
                rest[2],
                'the access: allowed, blocked or quarantined',
              ) as Schemas['AccessRule']['access'],
              ...(values.description ? { description: values.description } : {}),
            },
          }),
        ),
      );
    case 'rules remove': {
      const ruleId = required(rest[0], 'the rule id');
      await answer(api().DELETE('/admin/access/rules/{ruleId}', { params: { path: { ruleId } } }));
      return { text: 'rule removed' };
    }
    case 'settings show':
      return show(await answer(api().GET('/admin/settings')));
    case 'settings set': {
      const body: { defaultAccess?: Schemas['Settings']['defaultAccess']; defaultPolicyId?: string | null } =
        {};
      if (values['default-access'])
        body.defaultAccess = values['default-access'] as Schemas['Settings']['defaultAccess'];
      if (values['default-policy'])
        body.defaultPolicyId = values['default-policy'] === 'none' ? null : values['default-policy'];
      if (Object.keys(body).length === 0) throw new CliError('give --default-access and/or --default-policy');
      return show(await answer(api().PUT('/admin/settings', { body })));
    }

    case 'policies list': {
      const { policies } = await answer(api().GET('/admin/policies'));
      return show(
        { policies },
        table(policies, [
          ['POLICY', (policy) => policy.policyId],
          ['NAME', (policy) => policy.name],
          ['VERSION', (policy) => policy.version],
          ['DEFAULT', (policy) => (policy.isDefault ? 'yes' : '')],
          ['ACCOUNTS', (policy) => policy.assignedAccounts],
          ['SETTINGS', (policy) => JSON.stringify(policy.settings)],
        ]),
      );
    }
    case 'policies show': {
      const policyId = required(rest[0], 'the policy id');
      return show(await answer(api().GET('/admin/policies/{policyId}', { params: { path: { policyId } } })));
    }
    case 'policies create':
      return show(
        await answer(
          api().POST('/admin/policies', {
            body: { name: required(rest[0], 'the policy name'), settings: policySettings(values) },
          }),
        ),
      );
    case 'policies update': {
      const policyId = required(rest[0], 'the policy id');
      const settings = policySettings(values);
      return show(
        await answer(
          api().PUT('/admin/policies/{policyId}', {
            params: { path: { policyId } },
            body: {
              ...(values.name ? { name: values.name } : {}),
              ...(Object.keys(settings).length > 0 ? { settings } : {}),
            },
          }),
        ),
      );
    }
    case 'policies remove': {
      const policyId = required(rest[0], 'the policy id');
      await answer(api().DELETE('/admin/policies/{policyId}', { params: { path: { policyId } } }));
      return { text: 'policy removed' };
    }

    case 'wipes list': {
      const query: NonNullable<AdminApiPaths['/admin/wipes']['get']['parameters']['query']> = {
        limit: 200,
      };
      if (values.account) query.accountId = await accountIdOf(values.account);
      if (values.status) query.status = values.status as NonNullable<typeof query.status>;
      const { wipes } = await answer(api().GET('/admin/wipes', { params: { query } }));
      return show(
        { wipes },
        table(wipes, [
          ['WIPE', (wipe) => wipe.wipeId],
          ['DEVICE', (wipe) => wipe.deviceId],
          ['KIND', (wipe) => wipe.kind],
          ['STATUS', (wipe) => wipe.status],
          ['REQUESTED BY', (wipe) => wipe.requestedBy],
          ['REQUESTED AT', (wipe) => wipe.requestedAt],
          ['CONFIRMED AT', (wipe) => wipe.confirmedAt ?? ''],
        ]),
      );
    }
    case 'openapi':
      return { value: await answer(api().GET('/admin/openapi.json')) };
    default:
      throw new CliError(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
  }
}

async function domainDkim(rest: string[], show: (value: unknown, text?: string) => Output): Promise<Output> {
  const domain = required(rest[0], 'the domain');
  const verb = rest[1] ?? 'show';
  if (verb !== 'show' && verb !== 'rotate')
    throw new CliError(`domains dkim: unknown "${verb}" (show or rotate)`);
  const params = { params: { path: { domain } } };
  const dkim = await answer(
    verb === 'rotate'
      ? api().POST('/admin/domains/{domain}/dkim/rotate', params)
      : api().GET('/admin/domains/{domain}/dkim', params),
  );
  const when = (key: Schemas['DomainDkim']['keys'][number]) => {
    if (key.state === 'next') return `signs from ${key.activeFrom}: publish its record now`;
    if (key.state === 'retired') return `retired ${key.retiredAt}: keep its record until ${key.publishUntil}`;
    return key.retiredAt ? `signs until ${key.retiredAt}` : `signs since ${key.activeFrom}`;
  };
  const records = dkim.keys.map((key) => {
    // A TXT string holds at most 255 characters; zone files take several in parentheses.
    const strings = key.record.value.match(/.{1,255}/g) ?? [];
    return `${key.record.name}. IN TXT ( ${strings.map((part) => `"${part}"`).join(' ')} )`;
  });
  return show(
    dkim,
    [
      table(dkim.keys, [
        ['STATE', (key) => key.state],
        ['SELECTOR', (key) => key.selector],
        ['WHEN', when],
      ]),
      '',
      'DNS records to publish:',
      ...records,
    ].join('\n'),
  );
}

async function queue(
  action: string | undefined,
  rest: string[],
  values: Values,
  show: (value: unknown, text?: string) => Output,
): Promise<Output> {
  const columns: Column<Schemas['QueuedDelivery']>[] = [
    ['DELIVERY', (delivery) => delivery.deliveryId],
    ['STATUS', (delivery) => (delivery.cancelRequested ? 'cancelling' : delivery.status)],
    ['FROM', (delivery) => delivery.sender],
    ['TO', (delivery) => delivery.recipient],
    ['ATTEMPTS', (delivery) => delivery.attempts],
    ['NEXT', (delivery) => (delivery.inProgress ? 'in progress' : delivery.nextAttemptAt)],
    ['LAST REPLY', (delivery) => delivery.lastReply ?? ''],
  ];
  if (action === 'list') {
    const status = values.status as 'queued' | 'deferred' | undefined;
    if (status !== undefined && status !== 'queued' && status !== 'deferred')
      throw new CliError(`queue list: --status is queued or deferred, not ${status}`);
    const page = await answer(
      api().GET('/admin/queue', {
        params: { query: { limit: Number(values.limit ?? '200'), ...(status ? { status } : {}) } },
      }),
    );
    return show(page, table(page.deliveries, columns));
  }
  // `cancel` is the command's earlier name, kept as an alias.
  if (action === 'retry' || action === 'drop' || action === 'cancel') {
    const params = { params: { path: { deliveryId: required(rest[0], 'the delivery id') } } };
    const delivery = await answer(
      action === 'retry'
        ? api().POST('/admin/queue/{deliveryId}/retry', params)
        : api().POST('/admin/queue/{deliveryId}/cancel', params),
    );
    return show(
      delivery,
      action === 'retry'
        ? `delivery ${delivery.deliveryId} to ${delivery.recipient}: tried at the next pass`
        : `delivery ${delivery.deliveryId} to ${delivery.recipient}: bounces at the next pass`,
    );
  }
  throw new CliError(`unknown command "queue ${action ?? ''}" (list, retry or drop)`);
}

const findingColumns: Column<Schemas['DeviceDiagnosis']>[] = [
  ['STATUS', (diagnosis) => diagnosis.status],
  ['ACCOUNT', (diagnosis) => diagnosis.address],
  ['DEVICE', (diagnosis) => diagnosis.deviceId],
  ['LAST SYNC', (diagnosis) => diagnosis.lastSyncAt ?? 'never'],
  ['FINDINGS', (diagnosis) => diagnosis.findings.map((finding) => finding.title).join('; ')],
];

function describeDiagnosis(diagnosis: Schemas['DeviceDiagnosis']): string {
  const lines = [`${diagnosis.address} / ${diagnosis.deviceId}: ${diagnosis.status}`];
  for (const finding of diagnosis.findings) {
    lines.push(
      '',
      `[${finding.severity}] ${finding.title}`,
      `  evidence: ${JSON.stringify(finding.evidence)}`,
      `  fix: ${finding.fix}`,
    );
  }
  return lines.join('\n');
}

function describeRecord(record: Schemas['TrailRecord']): string {
  if (record.detail) return record.detail;
  if (record.request) {
    const outcome = record.request.ok ? 'ok' : (record.request.error ?? 'failed');
    const sends = (record.sends ?? []).map(describeSend);
    return [`${record.request.methods.join(',')} ${outcome} ${record.request.durationMs} ms`, ...sends].join(
      '; ',
    );
  }
  return record.auth ? `${record.auth.status} ${record.auth.reason}` : '';
}

/** One message a device sent: `sent S1a2 (email M3b4) to 2 recipients`, never an address. */
function describeSend(send: NonNullable<Schemas['TrailRecord']['sends']>[number]): string {
  const which = [send.submissionId, send.emailId ? `(email ${send.emailId})` : undefined]
    .filter(Boolean)
    .join(' ');
  const to =
    send.recipients === undefined
      ? ''
      : ` to ${send.recipients} recipient${send.recipients === 1 ? '' : 's'}`;
  const why = send.error ? `: ${send.error}` : '';
  return `${send.outcome}${which ? ` ${which}` : ''}${to}${why}`;
}

async function diagnostics(
  group: 'findings' | 'trail' | 'selftest',
  first: string | undefined,
  rest: string[],
  values: Values,
  show: (value: unknown, text?: string) => Output,
): Promise<Output> {
  if (group === 'findings') {
    if (!first) {
      const minimum = (values.minimum ?? 'info') as Schemas['Finding']['severity'];
      const result = await answer(api().GET('/admin/findings', { params: { query: { minimum } } }));
      return show(result, `${table(result.devices, findingColumns)}\n(${result.examined} devices examined)`);
    }
    const accountId = await accountIdOf(first);
    if (!rest[0]) {
      const result = await answer(
        api().GET('/admin/accounts/{accountId}/findings', { params: { path: { accountId } } }),
      );
      return show(result, table(result.devices, findingColumns));
    }
    const diagnosis = await answer(
      api().GET('/admin/accounts/{accountId}/devices/{deviceId}/findings', {
        params: { path: { accountId, deviceId: rest[0] } },
      }),
    );
    return show(diagnosis, describeDiagnosis(diagnosis));
  }
  if (group === 'trail') {
    const accountId = await accountIdOf(first);
    const result = await answer(
      api().GET('/admin/accounts/{accountId}/devices/{deviceId}/trail', {
        params: {
          path: { accountId, deviceId: required(rest[0], 'the device id') },
          query: { limit: Number(values.limit ?? '200') },
        },
      }),
    );
    return show(
      result,
      table(result.records, [
        ['AT', (record) => record.at],
        ['KIND', (record) => (record.count ? `${record.kind} x${record.count}` : record.kind)],
        ['DETAIL', describeRecord],
      ]),
    );
  }
  const accountId = await accountIdOf(first);
  const report = await answer(
    api().POST('/admin/selftest', {
      body: {
        accountId,
        deviceToken: required(
          values.token ?? process.env['PUSHMAIL_DEVICE_TOKEN'],
          'PUSHMAIL_DEVICE_TOKEN or --token',
        ),
        ...(values.timeout ? { timeoutMs: Number(values.timeout) } : {}),
      },
    }),
  );
  const hops = report.hops.map(
    (hop) =>
      `  ${hop.ok ? 'ok  ' : 'FAIL'} ${hop.name.padEnd(9)} ${hop.ms === null ? '' : `${hop.ms} ms`}  ${hop.detail}`,
  );
  const text = [
    `self-test of ${report.address}: ${report.ok ? 'every hop answered' : `stopped at ${report.stoppedAt}`}`,
    ...hops,
  ];
  if (!report.ok) text.push('', report.diagnosis);
  if (!report.ok) process.exitCode = 2;
  return show(report, text.join('\n'));
}

try {
  const result = await run(process.argv.slice(2));
  if (result.text !== undefined) console.log(result.text);
  else console.log(JSON.stringify(result.value, null, 2));
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  console.error(`admin: ${error.message}`);
  process.exitCode = 1;
}

import { randomBytes, randomUUID } from 'node:crypto';
import { isObject, methodErrorResponse, type Invocation } from '@pushmail/jmap';
import { isUuid } from '@pushmail/platform';
import { pushUrlProblem, type EndpointPolicy } from './push-endpoint-url.js';
import type { PushSubscriptionStore, StoredSubscription } from './push-subscription.store.js';

export interface PushSubscriptionLimits {
  maxExpiryDays: number;
  maxPerAccount: number;
  policy: EndpointPolicy;
}

const PROPERTIES = ['id', 'deviceClientId', 'url', 'keys', 'verificationCode', 'expires', 'types'] as const;
/** RFC 8620 §7.2.1: url and keys are never handed back, as anyone holding them could push. */
const SECRET_PROPERTIES = new Set(['url', 'keys']);
const SETTABLE_ON_UPDATE = new Set(['verificationCode', 'expires', 'types']);
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const MAX_SET_OPERATIONS = 64;

type SetError = { type: string; description: string; properties?: string[] };

/** Pushes a PushVerification to a new subscription, in its turn with the other pushes to its service. */
export type SendVerification = (subscription: StoredSubscription, verification: string) => void;

/**
 * PushSubscription/get and /set (RFC 8620 §7.2). Subscriptions belong to the credentials' account,
 * not to an `accountId` argument (there is none). A new one is sent a PushVerification and pushes
 * nothing until the client echoes its code back with an update.
 */
export class PushSubscriptionMethods {
  constructor(
    private readonly store: PushSubscriptionStore,
    private readonly limits: PushSubscriptionLimits,
    private readonly sendVerification: SendVerification,
  ) {}

  async call(accountId: string, [name, args, callId]: Invocation): Promise<Invocation> {
    if ('accountId' in args)
      return methodErrorResponse('invalidArguments', `${name} takes no accountId (RFC 8620 §7.2)`, callId);
    switch (name) {
      case 'PushSubscription/get':
        return this.get(accountId, args, callId);
      case 'PushSubscription/set':
        return this.set(accountId, args, callId);
      default:
        return methodErrorResponse('unknownMethod', `unknown method ${name.slice(0, 100)}`, callId);
    }
  }

  private async get(accountId: string, args: Record<string, unknown>, callId: string): Promise<Invocation> {
    const { ids, properties } = args;
    if (
      ids !== undefined &&
      ids !== null &&
      !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))
    )
      return methodErrorResponse('invalidArguments', 'ids must be null or a list of ids', callId);
    let wanted: readonly string[] = PROPERTIES.filter((property) => !SECRET_PROPERTIES.has(property));
    if (properties !== undefined && properties !== null) {
      if (!Array.isArray(properties) || !properties.every((p) => typeof p === 'string'))
        return methodErrorResponse('invalidArguments', 'properties must be a list', callId);
      if (properties.some((property) => SECRET_PROPERTIES.has(property)))
        return methodErrorResponse('forbidden', 'url and keys are never returned', callId);
      const unknown = properties.filter((property) => !(PROPERTIES as readonly string[]).includes(property));
      if (unknown.length > 0)
        return methodErrorResponse(
          'invalidArguments',
          `unknown properties: ${unknown.slice(0, 5).join(', ')}`,
          callId,
        );
      wanted = [...new Set(['id', ...properties])];
    }
    const askedIds = Array.isArray(ids) ? (ids as string[]).slice(0, 1000) : undefined;
    const validIds = askedIds?.filter(isUuid);
    const found = await this.store.ofAccount(accountId, validIds);
    const foundIds = new Set(found.map((subscription) => subscription.id));
    return [
      'PushSubscription/get',
      {
        list: found.map((subscription) => pick(view(subscription), wanted)),
        notFound: askedIds ? askedIds.filter((id) => !foundIds.has(id)) : [],
      },
      callId,
    ];
  }

  private async set(accountId: string, args: Record<string, unknown>, callId: string): Promise<Invocation> {
    const create = args['create'] ?? {};
    const update = args['update'] ?? {};
    const destroy = args['destroy'] ?? [];
    if (!isObject(create) || !isObject(update) || !Array.isArray(destroy))
      return methodErrorResponse('invalidArguments', 'create, update and destroy are malformed', callId);
    if (Object.keys(create).length + Object.keys(update).length + destroy.length > MAX_SET_OPERATIONS)
      return methodErrorResponse('requestTooLarge', `at most ${MAX_SET_OPERATIONS} operations`, callId);

    const created: Record<string, unknown> = {};
    const notCreated: Record<string, SetError> = {};
    for (const [creationId, value] of Object.entries(create)) {
      const outcome = await this.createOne(accountId, value);
      if ('error' in outcome) notCreated[creationId] = outcome.error;
      else created[creationId] = outcome.created;
    }
    const updated: Record<string, unknown> = {};
    const notUpdated: Record<string, SetError> = {};
    for (const [id, patch] of Object.entries(update)) {
      const problem = await this.updateOne(accountId, id, patch);
      if (problem) notUpdated[id] = problem;
      else updated[id] = null;
    }
    const destroyed: string[] = [];
    const notDestroyed: Record<string, SetError> = {};
    for (const id of destroy) {
      if (typeof id === 'string' && isUuid(id) && (await this.store.remove(accountId, id)))
        destroyed.push(id);
      else notDestroyed[String(id).slice(0, 100)] = { type: 'notFound', description: 'no such subscription' };
    }
    return [
      'PushSubscription/set',
      {
        created: Object.keys(created).length > 0 ? created : null,
        updated: Object.keys(updated).length > 0 ? updated : null,
        destroyed: destroyed.length > 0 ? destroyed : null,
        notCreated: Object.keys(notCreated).length > 0 ? notCreated : null,
        notUpdated: Object.keys(notUpdated).length > 0 ? notUpdated : null,
        notDestroyed: Object.keys(notDestroyed).length > 0 ? notDestroyed : null,
      },
      callId,
    ];
  }

  private async createOne(
    accountId: string,
    value: unknown,
  ): Promise<{ created: Record<string, unknown> } | { error: SetError }> {
    const invalid = (description: string, properties: string[]): { error: SetError } => ({
      error: { type: 'invalidProperties', description, properties },
    });
    if (!isObject(value)) return invalid('a PushSubscription must be an object', []);
    const serverSet = ['id', 'verificationCode'].filter((property) => property in value);
    if (serverSet.length > 0) return invalid('set by the server', serverSet);
    const unknown = Object.keys(value).filter(
      (property) => !(PROPERTIES as readonly string[]).includes(property),
    );
    if (unknown.length > 0) return invalid('unknown properties', unknown.slice(0, 10));
    const { deviceClientId, url, keys } = value;
    if (typeof deviceClientId !== 'string' || deviceClientId.length === 0 || deviceClientId.length > 255)
      return invalid('deviceClientId must be a string of 1 to 255 characters', ['deviceClientId']);
    if (typeof url !== 'string') return invalid('url is required', ['url']);
    const urlProblem = pushUrlProblem(url, this.limits.policy);
    if (urlProblem) return invalid(urlProblem, ['url']);
    let storedKeys: StoredSubscription['keys'] = null;
    if (keys !== undefined && keys !== null) {
      if (
        !isObject(keys) ||
        typeof keys['p256dh'] !== 'string' ||
        typeof keys['auth'] !== 'string' ||
        !BASE64URL.test(keys['p256dh']) ||
        !BASE64URL.test(keys['auth']) ||
        Buffer.from(keys['p256dh'], 'base64url').length !== 65 ||
        Buffer.from(keys['auth'], 'base64url').length !== 16
      )
        return invalid('keys must hold a P-256 p256dh key (65 bytes) and a 16-byte auth secret, base64url', [
          'keys',
        ]);
      storedKeys = { p256dh: keys['p256dh'], auth: keys['auth'] };
    }
    const expires = this.expiry(value['expires']);
    if (expires === 'invalid') return invalid('expires must be a UTCDate in the future', ['expires']);
    const types = typesOf(value['types']);
    if (types === 'invalid') return invalid('types must be null or a list of type names', ['types']);
    if ((await this.store.purgeExpiredAndCount(accountId)) >= this.limits.maxPerAccount)
      return {
        error: {
          type: 'overQuota',
          description: `an account holds at most ${this.limits.maxPerAccount} push subscriptions`,
        },
      };

    const subscription: StoredSubscription = {
      id: randomUUID(),
      accountId,
      deviceClientId,
      url,
      keys: storedKeys,
      verificationCode: randomBytes(24).toString('base64url'),
      verified: false,
      expires: expires.at,
      types,
    };
    await this.store.insert(subscription);
    // The client proves it can read what is pushed to the URL by echoing this code (RFC 8620 §7.2.2).
    const verification = JSON.stringify({
      '@type': 'PushVerification',
      pushSubscriptionId: subscription.id,
      verificationCode: subscription.verificationCode,
    });
    this.sendVerification(subscription, verification);
    return {
      created: {
        id: subscription.id,
        ...(expires.capped ? { expires: subscription.expires.toISOString() } : {}),
      },
    };
  }

  private async updateOne(accountId: string, id: string, patch: unknown): Promise<SetError | undefined> {
    if (!isUuid(id)) return { type: 'notFound', description: 'no such subscription' };
    const [current] = await this.store.ofAccount(accountId, [id]);
    if (!current) return { type: 'notFound', description: 'no such subscription' };
    if (!isObject(patch)) return { type: 'invalidPatch', description: 'the patch must be an object' };
    const refused = Object.keys(patch).filter((property) => !SETTABLE_ON_UPDATE.has(property));
    if (refused.length > 0)
      return {
        type: 'invalidProperties',
        description: 'only verificationCode, expires and types may change',
        properties: refused.slice(0, 10),
      };
    const change: { verified?: boolean; expires?: Date; types?: string[] | null } = {};
    if ('verificationCode' in patch) {
      if (patch['verificationCode'] !== current.verificationCode)
        return {
          type: 'invalidProperties',
          description: 'verificationCode does not match',
          properties: ['verificationCode'],
        };
      change.verified = true;
    }
    if ('expires' in patch) {
      const expires = this.expiry(patch['expires']);
      if (expires === 'invalid')
        return {
          type: 'invalidProperties',
          description: 'expires must be a UTCDate in the future',
          properties: ['expires'],
        };
      change.expires = expires.at;
    }
    if ('types' in patch) {
      const types = typesOf(patch['types']);
      if (types === 'invalid')
        return {
          type: 'invalidProperties',
          description: 'types must be null or a list of type names',
          properties: ['types'],
        };
      change.types = types;
    }
    await this.store.update(accountId, id, change);
    return undefined;
  }

  /** The client's expiry, capped at the server's maximum (RFC 8620 §7.2: the server may shorten it). */
  private expiry(value: unknown): { at: Date; capped: boolean } | 'invalid' {
    const max = new Date(Date.now() + this.limits.maxExpiryDays * 24 * 3_600_000);
    if (value === undefined || value === null) return { at: max, capped: true };
    if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value))
      return 'invalid';
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) return 'invalid';
    return at > max ? { at: max, capped: true } : { at, capped: false };
  }
}

function typesOf(value: unknown): string[] | null | 'invalid' {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length > 64) return 'invalid';
  if (!value.every((type) => typeof type === 'string' && TYPE_NAME.test(type))) return 'invalid';
  return [...new Set(value as string[])];
}

function view(subscription: StoredSubscription): Record<string, unknown> {
  return {
    id: subscription.id,
    deviceClientId: subscription.deviceClientId,
    // Shown only once verified: the code must come from the push channel, not from a /get.
    verificationCode: subscription.verified ? subscription.verificationCode : null,
    expires: subscription.expires.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    types: subscription.types,
  };
}

function pick(object: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    properties.filter((property) => property in object).map((property) => [property, object[property]]),
  );
}

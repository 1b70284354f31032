import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type SetError, setError } from '@pushmail/jmap';
import {
  destroyIdentity,
  insertIdentity,
  listIdentities,
  updateIdentity,
} from '../../identities/identity-store.js';
import {
  type Identity,
  IDENTITY_PROPERTIES,
  isSafeAddress,
  isSafeName,
  isSignature,
  readAddressList,
  sameAddress,
} from '../../identities/identity.js';
import { requireAccountId, setArguments } from '../../jmap/methods/arguments.js';
import { DeviceChanges, SetResults } from '../../jmap/methods/device-change.js';
import type { IdentityContext } from '../../jmap/methods/identity.methods.js';

const MAX_IDENTITIES = 100;

type Editable = Pick<Identity, 'name' | 'replyTo' | 'bcc' | 'textSignature' | 'htmlSignature'>;

/**
 * Identity/set (RFC 8621 §6.3): identities only for the address the account owns; a different
 * address is `forbiddenFrom`. The email of an identity never changes; the default one is never destroyed.
 */
@Injectable()
export class SetIdentitiesUseCase {
  constructor(@Inject(DeviceChanges) private readonly changes: DeviceChanges) {}

  async execute(args: Record<string, unknown>, context: IdentityContext): Promise<Record<string, unknown>> {
    const { accountId, address } = context;
    requireAccountId(args);
    const { ifInState, create, update, destroy } = setArguments(args, DEFAULT_CORE_LIMITS.maxObjectsInSet);
    let results = new SetResults<{ id: string; mayDelete: boolean }>();
    const change = await this.changes.apply(
      accountId,
      'Identity',
      ifInState,
      async (write) => {
        results = new SetResults<{ id: string; mayDelete: boolean }>(); // it may run again (AccountChanges.write)
        const existing = new Map(
          (await listIdentities(write.manager, accountId)).map((identity) => [identity.id, identity]),
        );
        for (const [creationId, value] of Object.entries(create)) {
          const input = readIdentity(value, null);
          if ('error' in input) {
            results.notCreated[creationId] = input.error;
            continue;
          }
          const email = (value as Record<string, unknown>)['email'];
          if (!isSafeAddress(email)) {
            results.notCreated[creationId] = setError('invalidProperties', '"email" must be an address', {
              properties: ['email'],
            });
            continue;
          }
          if (address === undefined || !sameAddress(email, address)) {
            results.notCreated[creationId] = setError(
              'forbiddenFrom',
              'an identity may only be for the address this account owns',
            );
            continue;
          }
          if (existing.size >= MAX_IDENTITIES) {
            results.notCreated[creationId] = setError('overQuota', `at most ${MAX_IDENTITIES} identities`);
            continue;
          }
          const identity: Identity = {
            id: `I${randomBytes(12).toString('hex')}`,
            email: address,
            mayDelete: true,
            ...input.value,
          };
          await insertIdentity(write, identity);
          existing.set(identity.id, identity);
          results.created[creationId] = { id: identity.id, mayDelete: true };
          context.createdIds.set(creationId, identity.id);
        }
        for (const [id, patch] of Object.entries(update)) {
          const current = existing.get(id);
          if (!current) {
            results.notUpdated[id] = setError('notFound');
            continue;
          }
          const input = readIdentity(patch, current);
          if ('error' in input) {
            results.notUpdated[id] = input.error;
            continue;
          }
          const email = (patch as Record<string, unknown>)['email'];
          if (email !== undefined && (typeof email !== 'string' || !sameAddress(email, current.email))) {
            results.notUpdated[id] = setError('invalidProperties', 'the email of an identity cannot change', {
              properties: ['email'],
            });
            continue;
          }
          const next = { ...current, ...input.value };
          await updateIdentity(write, next);
          existing.set(id, next);
          results.updated[id] = null;
        }
        for (const id of destroy) {
          const current = existing.get(id);
          if (!current) results.notDestroyed[id] = setError('notFound');
          else if (!current.mayDelete)
            results.notDestroyed[id] = setError(
              'forbidden',
              "the account's own identity cannot be destroyed",
            );
          else {
            await destroyIdentity(write, id);
            existing.delete(id);
            results.destroyed.push(id);
          }
        }
      },
      () => 'update',
    );
    return results.answer(accountId, change);
  }
}

/** The editable properties of a create (`current` null, defaults filled in) or an update. */
function readIdentity(value: unknown, current: Identity | null): { value: Editable } | { error: SetError } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: setError('invalidProperties', 'an identity must be an object') };
  const input = value as Record<string, unknown>;
  const invalid = (property: string, description: string) => ({
    error: setError('invalidProperties', description, { properties: [property] }),
  });
  for (const property of ['id', 'mayDelete']) {
    if (property in input && (current === null || input[property] !== current[property as keyof Identity]))
      return invalid(property, `"${property}" is set by the server`);
  }
  const known = new Set<string>(IDENTITY_PROPERTIES);
  const unknown = Object.keys(input).find((key) => !known.has(key));
  if (unknown !== undefined)
    return invalid(unknown.slice(0, 64), `unknown property "${unknown.slice(0, 64)}"`);
  const next: Editable = {
    name: current?.name ?? '',
    replyTo: current?.replyTo ?? null,
    bcc: current?.bcc ?? null,
    textSignature: current?.textSignature ?? '',
    htmlSignature: current?.htmlSignature ?? '',
  };
  if ('name' in input) {
    if (!isSafeName(input['name']))
      return invalid('name', '"name" must be one line of at most 256 characters');
    next.name = input['name'];
  }
  for (const property of ['replyTo', 'bcc'] as const) {
    if (!(property in input)) continue;
    const list = readAddressList(input[property]);
    if (list === undefined)
      return invalid(property, `"${property}" must be null or a list of { name, email }`);
    next[property] = list;
  }
  for (const property of ['textSignature', 'htmlSignature'] as const) {
    if (!(property in input)) continue;
    const signature = input[property];
    if (!isSignature(signature)) return invalid(property, `"${property}" must be a string of at most 64 KiB`);
    next[property] = signature;
  }
  return { value: next };
}

import { Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext } from '@pushmail/jmap';
import { listIdentities } from '../../identities/identity-store.js';
import { IDENTITY_PROPERTIES } from '../../identities/identity.js';
import { idsArgument, propertiesArgument } from './arguments.js';
import { TypeMethods } from './type-methods.js';

/** The caller's address as the edge knows it: the address the account owns and may send from. */
export interface IdentityContext extends MethodContext {
  address?: string;
}

/**
 * Identity/get and Identity/changes (RFC 8621 §6.1–6.2): the account's identities, one for its own
 * address (which cannot be destroyed) and any it created for that address with other names or
 * signatures.
 */
@Injectable()
export class IdentityMethods extends TypeMethods {
  protected readonly type = 'Identity';

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, false);
    const properties = propertiesArgument(args, 'properties', IDENTITY_PROPERTIES, IDENTITY_PROPERTIES);
    return this.getAnswer(accountId, ids, properties, (manager) => listIdentities(manager, accountId, ids));
  }
}

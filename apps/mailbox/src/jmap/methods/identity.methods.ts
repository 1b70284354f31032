import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext } from '@pushmail/jmap';
import { idsArgument, propertiesArgument } from './arguments.js';

const IDENTITY_PROPERTIES = [
  'id',
  'name',
  'email',
  'replyTo',
  'bcc',
  'textSignature',
  'htmlSignature',
  'mayDelete',
];

/** The account's one identity carries its address, which the edge passes with each request. */
export interface IdentityContext extends MethodContext {
  address?: string;
}

/**
 * Identity/get (RFC 8621 §6.1): the account's own address, the one identity it may send as. It changes
 * only when the address does, so its state is derived from the address.
 */
@Injectable()
export class IdentityMethods {
  async get(args: Record<string, unknown>, context: IdentityContext): Promise<Record<string, unknown>> {
    const { accountId, address } = context;
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, false);
    const properties = propertiesArgument(args, 'properties', IDENTITY_PROPERTIES, IDENTITY_PROPERTIES);
    const identity = address === undefined ? undefined : identityOf(accountId, address);
    const list = identity && (ids === null || ids.includes(identity.id)) ? [identity] : [];
    return {
      accountId,
      state: createHash('sha256')
        .update(address ?? '')
        .digest('hex')
        .slice(0, 16),
      list: list.map((item) =>
        Object.fromEntries(
          ['id', ...properties].map((property) => [property, item[property as keyof typeof item]]),
        ),
      ),
      notFound: ids === null ? [] : ids.filter((id) => id !== identity?.id),
    };
  }
}

function identityOf(accountId: string, address: string) {
  return {
    id: `I${accountId.replaceAll('-', '')}`,
    name: '',
    email: address,
    replyTo: null,
    bcc: null,
    textSignature: '',
    htmlSignature: '',
    mayDelete: false,
  };
}

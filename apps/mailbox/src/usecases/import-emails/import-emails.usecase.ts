import { Injectable } from '@nestjs/common';
import {
  DEFAULT_CORE_LIMITS,
  isObject,
  type MethodContext,
  MethodError,
  type SetError,
  setError,
} from '@pushmail/jmap';
import { EmailWrites } from '../../emails/email-writes.js';
import { invalidArguments, optionalString } from '../../jmap/methods/arguments.js';
import { readSet } from '../../jmap/methods/email-patch.js';
import { utcDate } from '../../jmap/query/email-filter.js';

/**
 * Email/import (RFC 8621 §4.8): messages uploaded as blobs become emails in the given mailboxes, in
 * one device change of the account (see DeviceChanges). Importing is not a delivery, so
 * the EmailDelivery state stays.
 */
@Injectable()
export class ImportEmailsUseCase extends EmailWrites {
  async execute(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ifInState = optionalString(args, 'ifInState');
    const emails = args['emails'];
    if (!isObject(emails)) throw invalidArguments('"emails" must map creation ids to EmailImport objects');
    const count = Object.keys(emails).length;
    if (count > DEFAULT_CORE_LIMITS.maxObjectsInSet) {
      throw new MethodError(
        'requestTooLarge',
        `${count} imports; maxObjectsInSet is ${DEFAULT_CORE_LIMITS.maxObjectsInSet}`,
      );
    }
    const { change, results } = await this.writeEmails(
      context,
      ifInState,
      async (write, results, resolveMailbox) => {
        for (const [creationId, value] of Object.entries(emails)) {
          const request = readImport(value, resolveMailbox);
          if ('error' in request) {
            results.notCreated[creationId] = request.error;
            continue;
          }
          const blob = await this.blobs.get(accountId, request.blobId, write.manager);
          if (!blob) {
            // RFC 8621 §4.8: a blobId that names nothing is an invalid property, not blobNotFound.
            results.notCreated[creationId] = setError('invalidProperties', 'no blob with this blobId', {
              properties: ['blobId'],
            });
            continue;
          }
          // A part of a message is its own blob only once stored as one.
          const inserted = await this.storeMessage(write, blob.data, 'import', request);
          results.created[creationId] = inserted;
          context.createdIds.set(creationId, inserted.id);
        }
      },
    );
    const { created, notCreated } = results.answer(accountId, change);
    return { accountId, oldState: change.oldState, newState: change.newState, created, notCreated };
  }
}

interface ImportRequest {
  blobId: string;
  mailboxIds: Record<string, boolean>;
  keywords: Record<string, boolean>;
  receivedAt: Date;
}

function readImport(
  value: unknown,
  resolveMailbox: (id: string) => string | undefined,
): ImportRequest | { error: SetError } {
  if (!isObject(value))
    return {
      error: setError('invalidProperties', 'an EmailImport must be an object', { properties: ['*'] }),
    };
  const bad: string[] = [];
  const blobId = value['blobId'];
  if (typeof blobId !== 'string') bad.push('blobId');
  const mailboxIds = readSet('mailboxIds', value['mailboxIds'], resolveMailbox);
  if (mailboxIds === null || Object.keys(mailboxIds).length === 0) bad.push('mailboxIds');
  const keywords =
    value['keywords'] === undefined || value['keywords'] === null
      ? {}
      : readSet('keywords', value['keywords']);
  if (keywords === null) bad.push('keywords');
  let receivedAt = new Date();
  if (value['receivedAt'] !== undefined && value['receivedAt'] !== null) {
    try {
      receivedAt = utcDate('receivedAt', value['receivedAt']);
    } catch {
      bad.push('receivedAt');
    }
  }
  const unknown = Object.keys(value).filter(
    (key) => !['blobId', 'mailboxIds', 'keywords', 'receivedAt'].includes(key),
  );
  bad.push(...unknown);
  if (bad.length > 0)
    return {
      error: setError('invalidProperties', 'these properties have invalid values', { properties: bad }),
    };
  return {
    blobId: blobId as string,
    mailboxIds: mailboxIds!,
    keywords: keywords!,
    receivedAt,
  };
}

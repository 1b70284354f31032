import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext, MethodError } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { BlobStore } from '../../blobs/blob-store.service.js';
import { requireAccountId, requireString } from './arguments.js';

/** Blob/copy copies at most this many blobs per call (maxObjectsInSet). */
const MAX_BLOBS_PER_COPY = DEFAULT_CORE_LIMITS.maxObjectsInSet;

/** The Blob methods of RFC 8620 §6 that run as method calls. */
@Injectable()
export class BlobMethods {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BlobStore) private readonly blobs: BlobStore,
  ) {}

  /**
   * Blob/copy (RFC 8620 §6.3). A device's credentials reach one account, so the only account a
   * blob can come from is the caller's own; any other `fromAccountId` is `fromAccountNotFound`.
   * Within the account each blob is stored under its own id (a part of a message becomes a blob
   * of its own, which keeps it past the message).
   */
  async copy(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const accountId = requireAccountId(args);
    const fromAccountId = requireString(args, 'fromAccountId');
    const blobIds = args['blobIds'];
    if (!Array.isArray(blobIds) || !blobIds.every((id) => typeof id === 'string')) {
      throw new MethodError('invalidArguments', '"blobIds" must be a list of blob ids');
    }
    if (blobIds.length > MAX_BLOBS_PER_COPY) {
      throw new MethodError(
        'requestTooLarge',
        `at most ${MAX_BLOBS_PER_COPY} blobs per call (maxObjectsInSet)`,
      );
    }
    if (fromAccountId !== context.accountId) {
      throw new MethodError('fromAccountNotFound', 'these credentials reach no other account to copy from');
    }
    const copied: Record<string, string> = {};
    const notCopied: Record<string, { type: string; description: string }> = {};
    for (const blobId of new Set(blobIds as string[])) {
      const blob = await this.blobs.get(fromAccountId, blobId);
      if (!blob) {
        notCopied[blobId] = { type: 'blobNotFound', description: 'no such blob in the account' };
        continue;
      }
      const stored = await this.blobs.put(accountId, blob.data, blob.type, this.dataSource.manager);
      copied[blobId] = stored.blobId;
    }
    return {
      fromAccountId,
      accountId,
      copied: Object.keys(copied).length > 0 ? copied : null,
      notCopied: Object.keys(notCopied).length > 0 ? notCopied : null,
    };
  }
}

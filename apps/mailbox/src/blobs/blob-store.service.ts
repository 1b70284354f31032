import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { LOGGER, PeriodicChore, preparedQuery } from '@pushmail/platform';
import { extractPart } from '../mime/extract-part.js';
import { blobIdOf, parseBlobId } from './blob-ids.js';

export interface StoredBlob {
  blobId: string;
  type: string;
  size: number;
}

export interface BlobContent extends StoredBlob {
  data: Buffer;
}

/** RFC 8620 §6.1 asks for at least an hour; a day gives a slow client room to use its upload. */
const UNREFERENCED_BLOB_HOURS = 24;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** The account's blobs: uploads, and the raw bytes of every message. */
@Injectable()
export class BlobStore extends PeriodicChore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LOGGER) protected readonly logger: Logger,
  ) {
    super({
      intervalMs: PRUNE_INTERVAL_MS,
      counted: 'pruned',
      done: 'pruned unreferenced blobs',
      failed: 'pruning blobs failed; will retry',
    });
  }

  protected runChore(): Promise<number> {
    return this.prune();
  }

  /** Stores bytes (again: an upload of known bytes renews the blob's lease) and returns its id. */
  async put(
    accountId: string,
    data: Buffer,
    type: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredBlob> {
    const stored = BlobStore.describe(data, type);
    await manager.query(
      `INSERT INTO mailbox.blobs (account_id, id, type, size, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, id) DO UPDATE SET created_at = now()`,
      [accountId, stored.blobId, type, stored.size, data],
    );
    return stored;
  }

  /** What a blob of `data` is stored as: its content-addressed id, type and size. */
  static describe(data: Buffer, type: string): StoredBlob {
    return { blobId: blobIdOf(data), type, size: data.length };
  }

  /**
   * Stores many blobs in one statement (the raw messages of a delivery batch); returns each one's
   * id, in the order given.
   */
  async putMany(
    blobs: ReadonlyArray<{ accountId: string; data: Buffer; type: string }>,
    manager: EntityManager,
  ): Promise<StoredBlob[]> {
    const stored = blobs.map((blob) => BlobStore.describe(blob.data, blob.type));
    // One row per (account, id): an upsert may not touch the same row twice in a statement.
    const rows = new Map<string, { accountId: string; blobId: string; type: string; data: Buffer }>();
    blobs.forEach((blob, index) => {
      const { blobId } = stored[index]!;
      rows.set(`${blob.accountId}/${blobId}`, {
        accountId: blob.accountId,
        blobId,
        type: blob.type,
        data: blob.data,
      });
    });
    const parameters: unknown[] = [];
    const values: string[] = [];
    for (const row of rows.values()) {
      const base = parameters.length;
      parameters.push(row.accountId, row.blobId, row.type, row.data.length, row.data);
      values.push(`($${base + 1}::uuid, $${base + 2}, $${base + 3}, $${base + 4}::int, $${base + 5}::bytea)`);
    }
    if (values.length > 0) {
      // One statement text per number of rows, so each is prepared once per connection.
      await preparedQuery(
        manager,
        `mailbox.put-blobs-${values.length}`,
        `INSERT INTO mailbox.blobs (account_id, id, type, size, data) VALUES ${values.join(', ')}
         ON CONFLICT (account_id, id) DO UPDATE SET created_at = now()`,
        parameters,
      );
    }
    return stored;
  }

  /** A stored blob or a part of a stored message; undefined when the account has no such blob. */
  async get(
    accountId: string,
    blobId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<BlobContent | undefined> {
    const reference = parseBlobId(blobId);
    if (!reference) return undefined;
    const rows: Array<{ type: string; data: Buffer }> = await manager.query(
      'SELECT type, data FROM mailbox.blobs WHERE account_id = $1 AND id = $2',
      [accountId, reference.blobId],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (reference.kind === 'stored') return { blobId, type: row.type, size: row.data.length, data: row.data };
    const part = await extractPart(row.data, reference.partId);
    return part && { blobId, type: part.type, size: part.data.length, data: part.data };
  }

  /** Which of `blobIds` the account has as stored blobs. */
  async existing(
    accountId: string,
    blobIds: readonly string[],
    manager: EntityManager,
  ): Promise<Set<string>> {
    if (blobIds.length === 0) return new Set();
    const rows: Array<{ id: string }> = await manager.query(
      'SELECT id FROM mailbox.blobs WHERE account_id = $1 AND id = ANY($2::text[])',
      [accountId, [...new Set(blobIds)]],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Drops blobs no email holds once their lease is over; returns how many. */
  async prune(olderThanHours = UNREFERENCED_BLOB_HOURS): Promise<number> {
    const rows: Array<{ pruned: number }> = await this.dataSource.query(
      `WITH pruned AS (
         DELETE FROM mailbox.blobs AS blob
          WHERE blob.created_at < now() - make_interval(hours => $1)
            AND NOT EXISTS (
              SELECT 1 FROM mailbox.emails AS email
               WHERE email.account_id = blob.account_id AND email.blob_id = blob.id)
         RETURNING 1)
       SELECT count(*)::int AS pruned FROM pruned`,
      [olderThanHours],
    );
    return rows[0]?.pruned ?? 0;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { decodeWbxml, encodeWbxml, type WbxmlElement } from '@pushmail/activesync';
import { DataSource, type Repository } from 'typeorm';
import { LastSyncRequest } from './last-sync-request.entity.js';

/**
 * The upsert that keeps a device's last Sync request ($1 account, $2 device, $3 the request's
 * WBXML). Most Syncs repeat the one before (same collections and options; the keys
 * the device had synced at are not kept, `keptFormOf`): those write nothing, so a busy phone does not leave a dead row version per request. Safe across
 * replicas: the comparison is the database's. `SyncStore.hierarchyWithState` runs it too, in the
 * statement of a Sync's first read.
 */
export const KEEP_SYNC_REQUEST = `INSERT INTO activesync.sync_requests (account_id, device_id, request, updated_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (account_id, device_id) DO UPDATE SET request = EXCLUDED.request, updated_at = now()
       WHERE sync_requests.request IS DISTINCT FROM EXCLUDED.request`;

/** Each device's last Sync request (without its commands), for the empty and Partial Syncs after it. */
@Injectable()
export class LastSyncRequests {
  private readonly repo: Repository<LastSyncRequest>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(LastSyncRequest);
  }

  async find(accountId: string, deviceId: string): Promise<WbxmlElement | undefined> {
    const row = await this.repo.findOneBy({ accountId, deviceId });
    return row ? decodeWbxml(row.request) : undefined;
  }

  /** Keeps `request` as the device's last (`KEEP_SYNC_REQUEST`). */
  async save(accountId: string, deviceId: string, request: WbxmlElement): Promise<void> {
    await this.repo.query(KEEP_SYNC_REQUEST, [accountId, deviceId, keptRequest(request)]);
  }
}

/** A request as it is kept: its WBXML. */
export function keptRequest(request: WbxmlElement): Buffer {
  return Buffer.from(encodeWbxml(request));
}

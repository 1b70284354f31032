import { Inject, Injectable } from '@nestjs/common';
import { decodeWbxml, encodeWbxml, type WbxmlElement } from '@pushmail/activesync';
import { DataSource, type Repository } from 'typeorm';
import { LastSyncRequest } from './last-sync-request.entity.js';

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

  /**
   * Keeps `request` as the device's last. Most Syncs repeat the one before (same collections, same
   * keys when nothing changed): those write nothing, so a busy phone does not leave a dead row
   * version per request. Safe across replicas: the comparison is the database's, in the upsert.
   */
  async save(accountId: string, deviceId: string, request: WbxmlElement): Promise<void> {
    await this.repo.query(
      `INSERT INTO activesync.sync_requests (account_id, device_id, request, updated_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (account_id, device_id) DO UPDATE SET request = EXCLUDED.request, updated_at = now()
       WHERE sync_requests.request IS DISTINCT FROM EXCLUDED.request`,
      [accountId, deviceId, Buffer.from(encodeWbxml(request))],
    );
  }
}

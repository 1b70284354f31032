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

  async save(accountId: string, deviceId: string, request: WbxmlElement): Promise<void> {
    await this.repo.upsert({ accountId, deviceId, request: encodeWbxml(request), updatedAt: new Date() }, [
      'accountId',
      'deviceId',
    ]);
  }
}

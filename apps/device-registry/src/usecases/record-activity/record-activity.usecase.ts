import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ActivityDto } from '../../devices/dto/internal.dto.js';

/**
 * First and last sync and the last address, reported in batches by push-delivery. Not part of any
 * snapshot, so it moves no revision: a busy device costs one row update per report, nothing more.
 */
@Injectable()
export class RecordActivity {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(input: ActivityDto): Promise<{ updated: number }> {
    if (input.sightings.length === 0) return { updated: 0 };
    const result: [unknown[], number] | unknown[] = await this.dataSource.query(
      `UPDATE registry.devices d SET
         first_sync_at = COALESCE(d.first_sync_at, LEAST(s.seen_at, now())),
         last_sync_at = GREATEST(COALESCE(d.last_sync_at, '-infinity'::timestamptz), LEAST(s.seen_at, now())),
         last_seen_address = COALESCE(s.client_address, d.last_seen_address)
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[])
         AS s(account_id, device_id, seen_at, client_address)
       WHERE d.account_id = s.account_id AND d.device_id = s.device_id`,
      [
        input.sightings.map((sighting) => sighting.accountId),
        input.sightings.map((sighting) => sighting.deviceId),
        input.sightings.map((sighting) => sighting.seenAt),
        input.sightings.map((sighting) => sighting.clientAddress),
      ],
    );
    const count = Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
    return { updated: count };
  }
}

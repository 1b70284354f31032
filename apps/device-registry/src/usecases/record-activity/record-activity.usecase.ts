import { Inject, Injectable } from '@nestjs/common';
import type { ActivityBatch, ActivityRecorded } from '@pushmail/contracts';
import { DataSource } from 'typeorm';

/**
 * First and last sync and the last address, reported in batches by push-delivery and the
 * ActiveSync gateway (which adds the protocol version, the last command and the Ping heartbeat). Not part of any
 * snapshot, so it moves no revision: a busy device costs one row update per report, nothing more.
 */
@Injectable()
export class RecordActivity {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(input: ActivityBatch): Promise<ActivityRecorded> {
    if (input.sightings.length === 0) return { updated: 0 };
    const result: [unknown[], number] | unknown[] = await this.dataSource.query(
      `UPDATE registry.devices d SET
         first_sync_at = COALESCE(d.first_sync_at, LEAST(s.seen_at, now())),
         last_sync_at = GREATEST(COALESCE(d.last_sync_at, '-infinity'::timestamptz), LEAST(s.seen_at, now())),
         last_seen_address = COALESCE(s.client_address, d.last_seen_address),
         protocol = CASE WHEN s.last_command IS NULL THEN d.protocol ELSE 'activesync' END,
         protocol_version = COALESCE(s.protocol_version, d.protocol_version),
         last_command = COALESCE(s.last_command, d.last_command),
         last_command_at = CASE WHEN s.last_command IS NULL THEN d.last_command_at
                                ELSE LEAST(s.seen_at, now()) END,
         heartbeat_seconds = COALESCE(s.heartbeat_seconds, d.heartbeat_seconds)
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::int[])
         AS s(account_id, device_id, seen_at, client_address, protocol_version, last_command, heartbeat_seconds)
       WHERE d.account_id = s.account_id AND d.device_id = s.device_id`,
      [
        input.sightings.map((sighting) => sighting.accountId),
        input.sightings.map((sighting) => sighting.deviceId),
        input.sightings.map((sighting) => sighting.seenAt),
        input.sightings.map((sighting) => sighting.clientAddress),
        input.sightings.map((sighting) => sighting.activesync?.protocolVersion ?? null),
        input.sightings.map((sighting) => sighting.activesync?.lastCommand ?? null),
        input.sightings.map((sighting) => sighting.activesync?.heartbeatSeconds ?? null),
      ],
    );
    const count = Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
    return { updated: count };
  }
}

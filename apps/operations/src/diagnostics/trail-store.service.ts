import { Inject, Injectable } from '@nestjs/common';
import type { DeviceEventV1, DeviceTrailRecordV1, DeviceTrailV1 } from '@pushmail/contracts';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import type { trailRecordSchema } from './dto/diagnostics.dto.js';

/** One stored trail record as the admin API shows it. */
export type TrailEntry = z.output<typeof trailRecordSchema>;

interface TrailRow {
  id: string;
  account_id: string;
  device_id: string | null;
  kind: DeviceTrailRecordV1['kind'];
  at: Date;
  data: Record<string, unknown>;
  source: string;
}

const MAX_QUERY = 5000;

/** The bounded trail table: written by the consumers, read by the diagnostics API. */
@Injectable()
export class TrailStore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: OperationsConfig,
  ) {}

  async appendBatches(batches: readonly DeviceTrailV1[]): Promise<void> {
    const rows = batches.flatMap((batch) =>
      batch.records.map((record) => ({ accountId: batch.accountId, source: batch.source, record })),
    );
    await this.insert(
      rows.map(({ accountId, source, record }) => {
        const { deviceId, kind, at, ...data } = record;
        return { accountId, deviceId, kind, at, data, source };
      }),
    );
  }

  /** Registry decisions read back from the device events, so a device's timeline has them beside its sockets. */
  async appendDeviceEvents(events: readonly DeviceEventV1[]): Promise<void> {
    await this.insert(
      events.map((event) => {
        const kind =
          event.type === 'accessChanged' || event.type === 'registered'
            ? 'accessDecision'
            : event.type.startsWith('policy')
              ? 'policyDecision'
              : event.type.startsWith('wipe')
                ? 'wipeStep'
                : 'accessDecision';
        const decision: Record<string, unknown> = { type: event.type, actor: event.actor };
        if (event.access) decision['access'] = event.access;
        if (event.policy !== undefined) decision['policy'] = event.policy;
        if (event.wipe) decision['wipe'] = event.wipe;
        return {
          accountId: event.accountId,
          deviceId: event.deviceId,
          kind,
          at: event.occurredAt,
          data: { detail: describeEvent(event).slice(0, 500), decision },
          source: 'device-registry',
        };
      }),
    );
  }

  async forDevice(accountId: string, deviceId: string, limit = MAX_QUERY): Promise<TrailEntry[]> {
    const rows = await this.dataSource.query<TrailRow[]>(
      `SELECT id, account_id, device_id, kind, at, data, source FROM operations.device_trail
        WHERE account_id = $1 AND (device_id = $2 OR device_id IS NULL)
        ORDER BY at DESC, id DESC LIMIT $3`,
      [accountId, deviceId, Math.min(limit, MAX_QUERY)],
    );
    return rows.map(toEntry);
  }

  /** Records that name no device the registry knows: refused over-limit registrations, unknown ids. */
  async forAccount(accountId: string, limit = MAX_QUERY): Promise<TrailEntry[]> {
    const rows = await this.dataSource.query<TrailRow[]>(
      `SELECT id, account_id, device_id, kind, at, data, source FROM operations.device_trail
        WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [accountId, Math.min(limit, MAX_QUERY)],
    );
    return rows.map(toEntry);
  }

  /** Drops what is past retention; runs on a timer so the insert path stays one statement. */
  async prune(): Promise<number> {
    const days = this.config.TRAIL_RETENTION_DAYS;
    const result = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM operations.device_trail WHERE at < now() - make_interval(secs => $1)`,
      [days * 86_400],
    );
    return result[1] ?? 0;
  }

  private async insert(
    rows: {
      accountId: string;
      deviceId: string | null;
      kind: string;
      at: string;
      data: Record<string, unknown>;
      source: string;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO operations.device_trail (account_id, device_id, kind, at, data, source)
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::jsonb[], $6::varchar[])`,
        [
          rows.map((row) => row.accountId),
          rows.map((row) => row.deviceId),
          rows.map((row) => row.kind),
          rows.map((row) => row.at),
          rows.map((row) => JSON.stringify(row.data)),
          rows.map((row) => row.source),
        ],
      );
      // The per-device cap: the oldest records of the devices just written go first.
      // Device ids never hold '|' (see the registration schema), so it separates the pair safely.
      const touched = [...new Set(rows.map((row) => `${row.accountId}|${row.deviceId ?? ''}`))];
      await manager.query(
        `DELETE FROM operations.device_trail t USING (
           SELECT id FROM (
             SELECT id, row_number() OVER (PARTITION BY account_id, device_id ORDER BY at DESC, id DESC) AS n
               FROM operations.device_trail
              WHERE account_id = ANY($3::uuid[])
                AND (account_id::text || '|' || coalesce(device_id, '')) = ANY($1::text[])
           ) ranked WHERE n > $2
         ) old WHERE t.id = old.id`,
        [touched, this.config.TRAIL_MAX_PER_DEVICE, [...new Set(rows.map((row) => row.accountId))]],
      );
    });
  }
}

function toEntry(row: TrailRow): TrailEntry {
  return {
    ...(row.data as Partial<TrailEntry>),
    id: String(row.id),
    accountId: row.account_id,
    deviceId: row.device_id,
    kind: row.kind,
    at: row.at.toISOString(),
    source: row.source,
  };
}

function describeEvent(event: DeviceEventV1): string {
  switch (event.type) {
    case 'registered':
    case 'accessChanged':
      return event.access
        ? `${event.type}: ${event.access.previous ?? 'none'} -> ${event.access.level} (${event.access.rule})`
        : event.type;
    case 'policyChanged':
    case 'policyAcknowledged':
      return event.policy ? `${event.type}: version ${event.policy.version}` : `${event.type}: no policy`;
    default:
      return event.wipe ? `${event.type}: ${event.wipe.kind} wipe ${event.wipe.wipeId}` : event.type;
  }
}

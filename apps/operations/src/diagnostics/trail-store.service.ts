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

/** Device ids never hold '|' (see the registration schema), so it separates the pair safely. */
const deviceKey = (accountId: string, deviceId: string | null): string => `${accountId}|${deviceId ?? ''}`;

type Queryable = Pick<DataSource['manager'], 'query'>;

interface Pending {
  accountId: string;
  deviceId: string | null;
  /** Records this process wrote for the device since it last enforced the cap there. */
  written: number;
}

/** The records a device may hold past the cap between two enforcements: a tenth of the cap. */
export const trailCapSlack = (cap: number): number => Math.max(1, Math.ceil(cap / 10));

// The cap-th newest record of each device (newest first by at, then id) and everything older than
// it, both through the (account_id, device_id, at DESC, id DESC) index: the probe walks at most cap
// index entries per device, and the delete's range holds only the records past it. OFFSET 0 keeps
// the range per device (a join over the whole table otherwise). Two forms, as a NULL device
// (account-wide records) is its own group and `=` never matches it.
const CAP_DEVICES = `
  DELETE FROM operations.device_trail t WHERE t.id IN (
    SELECT old.id
      FROM unnest($1::uuid[], $2::varchar[]) AS d(account_id, device_id)
      CROSS JOIN LATERAL (
        SELECT x.at, x.id FROM operations.device_trail x
         WHERE x.account_id = d.account_id AND x.device_id = d.device_id
         ORDER BY x.at DESC, x.id DESC OFFSET $3 LIMIT 1
      ) edge
      CROSS JOIN LATERAL (
        SELECT y.id FROM operations.device_trail y
         WHERE y.account_id = d.account_id AND y.device_id = d.device_id
           AND y.at <= edge.at AND (y.at, y.id) < (edge.at, edge.id)
        OFFSET 0
      ) old)`;
const CAP_ACCOUNT_WIDE = `
  DELETE FROM operations.device_trail t WHERE t.id IN (
    SELECT old.id
      FROM unnest($1::uuid[]) AS d(account_id)
      CROSS JOIN LATERAL (
        SELECT x.at, x.id FROM operations.device_trail x
         WHERE x.account_id = d.account_id AND x.device_id IS NULL
         ORDER BY x.at DESC, x.id DESC OFFSET $2 LIMIT 1
      ) edge
      CROSS JOIN LATERAL (
        SELECT y.id FROM operations.device_trail y
         WHERE y.account_id = d.account_id AND y.device_id IS NULL
           AND y.at <= edge.at AND (y.at, y.id) < (edge.at, edge.id)
        OFFSET 0
      ) old)`;

/** The bounded trail table: written by the consumers, read by the diagnostics API. */
@Injectable()
export class TrailStore {
  /** Devices written since this process last enforced their cap, by {@link deviceKey}. */
  private readonly pending = new Map<string, Pending>();

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

  /**
   * Enforces the cap for every device this process wrote since it last did (the prune timer's
   * half of the cap; the insert path does it for a device once it has written a slack's worth).
   */
  async capWritten(): Promise<number> {
    const due = [...this.pending.values()];
    for (const entry of due) this.pending.delete(deviceKey(entry.accountId, entry.deviceId));
    if (due.length === 0) return 0;
    try {
      return await this.enforceCap(this.dataSource.manager, due);
    } catch (error) {
      this.restore(due);
      throw error;
    }
  }

  /** Counts the rows per device; returns (and forgets) the devices that reached the slack. */
  private count(rows: readonly { accountId: string; deviceId: string | null }[]): Pending[] {
    const slack = trailCapSlack(this.config.TRAIL_MAX_PER_DEVICE);
    const touched = new Set<Pending>();
    for (const { accountId, deviceId } of rows) {
      const key = deviceKey(accountId, deviceId);
      let entry = this.pending.get(key);
      if (!entry) {
        entry = { accountId, deviceId, written: 0 };
        this.pending.set(key, entry);
      }
      entry.written += 1;
      touched.add(entry);
    }
    const due = [...touched].filter((entry) => entry.written >= slack);
    for (const entry of due) this.pending.delete(deviceKey(entry.accountId, entry.deviceId));
    return due;
  }

  /** Puts back devices whose enforcement did not happen, so the next one still covers them. */
  private restore(entries: readonly Pending[]): void {
    for (const entry of entries) {
      const key = deviceKey(entry.accountId, entry.deviceId);
      const current = this.pending.get(key);
      if (current) current.written += entry.written;
      else this.pending.set(key, { ...entry });
    }
  }

  private async enforceCap(manager: Queryable, devices: readonly Pending[]): Promise<number> {
    const cap = this.config.TRAIL_MAX_PER_DEVICE;
    const named = devices.filter((entry) => entry.deviceId !== null);
    const accountWide = devices.filter((entry) => entry.deviceId === null);
    let deleted = 0;
    if (named.length > 0) {
      const result = await manager.query<[unknown, number]>(CAP_DEVICES, [
        named.map((entry) => entry.accountId),
        named.map((entry) => entry.deviceId),
        cap - 1,
      ]);
      deleted += result[1] ?? 0;
    }
    if (accountWide.length > 0) {
      const result = await manager.query<[unknown, number]>(CAP_ACCOUNT_WIDE, [
        accountWide.map((entry) => entry.accountId),
        cap - 1,
      ]);
      deleted += result[1] ?? 0;
    }
    return deleted;
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
    const write = (manager: Queryable) =>
      manager.query(
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
    // The per-device cap, on the insert path only for the devices that may now be a slack over it:
    // one statement for most batches, and the cap in the same transaction for the others.
    const due = this.count(rows);
    try {
      if (due.length === 0) await write(this.dataSource.manager);
      else
        await this.dataSource.transaction(async (manager) => {
          await write(manager);
          await this.enforceCap(manager, due);
        });
    } catch (error) {
      this.restore(due);
      throw error;
    }
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

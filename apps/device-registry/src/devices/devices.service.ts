import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { DeviceAccessLevel, DeviceWipeKind } from '@pushmail/contracts';
import { DataSource } from 'typeorm';
import { accountNotFound } from '../accounts/account-revision.js';
import { Account } from '../accounts/entities/account.entity.js';
import { deviceNotFound } from './devices.errors.js';
import type { SearchDevicesQuery } from './dto/search-devices.dto.js';
import type { AccessSource, DeviceAuthMethod, DeviceStatus } from './entities/device.entity.js';
import type { DevicePage, DeviceResponse } from './dto/device.response.js';

/** A partnership as the admin API shows it: the shape its OpenAPI document gives. */
export type DeviceSummary = DeviceResponse;

interface DeviceRow {
  account_id: string;
  address: string;
  device_id: string;
  device_type: string;
  model: string;
  os: string | null;
  user_agent: string | null;
  access: DeviceAccessLevel;
  access_reason: string | null;
  access_source: AccessSource;
  access_rule_id: string | null;
  access_decided_at: Date;
  exemption_access: 'allowed' | 'blocked' | null;
  auth_method: DeviceAuthMethod;
  status: DeviceStatus;
  wiped_at: Date | null;
  first_sync_at: Date | null;
  last_sync_at: Date | null;
  last_seen_address: string | null;
  protocol: 'jmap' | 'activesync';
  protocol_version: string | null;
  last_command: string | null;
  last_command_at: Date | null;
  heartbeat_seconds: number | null;
  policy_id: string | null;
  policy_name: string | null;
  policy_version: number | null;
  acknowledged_policy_id: string | null;
  acknowledged_policy_version: number | null;
  policy_acknowledged_at: Date | null;
  wipe_id: string | null;
  wipe_kind: DeviceWipeKind | null;
  wipe_requested_by: string | null;
  wipe_requested_at: Date | null;
  live_tokens: string;
  created_at: Date;
  updated_at: Date;
}

const SELECT_DEVICES = `
  SELECT d.account_id, a.address, d.device_id, d.device_type, d.model, d.os, d.user_agent, d.access,
         d.access_reason, d.access_source, d.access_rule_id, d.access_decided_at, e.access AS exemption_access,
         d.auth_method, d.status, d.wiped_at, d.first_sync_at, d.last_sync_at, d.last_seen_address,
         d.protocol, d.protocol_version, d.last_command, d.last_command_at, d.heartbeat_seconds,
         p.id AS policy_id, p.name AS policy_name, p.version AS policy_version,
         d.acknowledged_policy_id, d.acknowledged_policy_version, d.policy_acknowledged_at,
         w.id AS wipe_id, w.kind AS wipe_kind, w.requested_by AS wipe_requested_by, w.requested_at AS wipe_requested_at,
         (SELECT count(*) FROM registry.device_tokens t
           WHERE t.account_id = d.account_id AND t.device_id = d.device_id AND t.revoked_at IS NULL) AS live_tokens,
         d.created_at, d.updated_at
    FROM registry.devices d
    JOIN registry.accounts a ON a.id = d.account_id
    JOIN registry.org_settings s ON s.id = 1
    LEFT JOIN registry.policies p ON p.id = COALESCE(a.policy_id, s.default_policy_id)
    LEFT JOIN registry.device_wipes w
      ON w.account_id = d.account_id AND w.device_id = d.device_id AND w.status = 'pending'
    LEFT JOIN registry.device_exemptions e ON e.account_id = d.account_id AND e.device_id = d.device_id`;

/** Read side of the admin device endpoints: per account, one device, and a search across the organisation. */
@Injectable()
export class DevicesService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async listForAccount(accountId: string): Promise<{ accountId: string; devices: DeviceSummary[] }> {
    await this.requireAccount(accountId);
    const rows: DeviceRow[] = await this.dataSource.query(
      `${SELECT_DEVICES} WHERE d.account_id = $1 ORDER BY d.created_at, d.device_id`,
      [accountId],
    );
    return { accountId, devices: rows.map(summaryOf) };
  }

  async get(accountId: string, deviceId: string): Promise<DeviceSummary> {
    await this.requireAccount(accountId);
    const rows: DeviceRow[] = await this.dataSource.query(
      `${SELECT_DEVICES} WHERE d.account_id = $1 AND d.device_id = $2`,
      [accountId, deviceId],
    );
    const row = rows[0];
    if (!row) throw deviceNotFound(deviceId);
    return summaryOf(row);
  }

  /** Every partnership of the organisation matching the filters, in (account, device) order. */
  async search(query: SearchDevicesQuery): Promise<DevicePage> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      conditions.push(condition(`$${parameters.length}`));
    };
    if (query.accountId) add((p) => `d.account_id = ${p}`, query.accountId);
    if (query.access) add((p) => `d.access = ${p}`, query.access);
    if (query.status) add((p) => `d.status = ${p}`, query.status);
    if (query.q) {
      add(
        (p) =>
          `(d.device_id ILIKE ${p} OR d.model ILIKE ${p} OR d.device_type ILIKE ${p} OR d.user_agent ILIKE ${p} OR a.address ILIKE ${p})`,
        `%${query.q.replace(/[\\%_]/g, '\\$&')}%`,
      );
    }
    if (query.syncedBefore)
      add((p) => `(d.last_sync_at IS NULL OR d.last_sync_at < ${p})`, query.syncedBefore);
    if (query.syncedSince) add((p) => `d.last_sync_at >= ${p}`, query.syncedSince);
    if (query.cursor !== undefined) {
      const [accountId, deviceId] = decodeCursor(query.cursor);
      parameters.push(accountId, deviceId);
      conditions.push(
        `(d.account_id, d.device_id) > ($${parameters.length - 1}::uuid, $${parameters.length})`,
      );
    }
    parameters.push(query.limit + 1);
    const rows: DeviceRow[] = await this.dataSource.query(
      `${SELECT_DEVICES} ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY d.account_id, d.device_id LIMIT $${parameters.length}`,
      parameters,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      devices: page.map(summaryOf),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.account_id, last.device_id) : null,
    };
  }

  private async requireAccount(accountId: string): Promise<void> {
    if (!(await this.dataSource.getRepository(Account).existsBy({ id: accountId }))) {
      throw accountNotFound(accountId);
    }
  }
}

function summaryOf(row: DeviceRow): DeviceSummary {
  const iso = (value: Date | null) => value?.toISOString() ?? null;
  const acknowledged =
    row.acknowledged_policy_id !== null && row.acknowledged_policy_version !== null
      ? {
          policyId: row.acknowledged_policy_id,
          version: row.acknowledged_policy_version,
          acknowledgedAt: iso(row.policy_acknowledged_at),
        }
      : null;
  const policy =
    row.policy_id !== null && row.policy_name !== null && row.policy_version !== null
      ? { policyId: row.policy_id, name: row.policy_name, version: row.policy_version }
      : null;
  return {
    accountId: row.account_id,
    address: row.address,
    deviceId: row.device_id,
    deviceType: row.device_type,
    model: row.model,
    os: row.os,
    userAgent: row.user_agent,
    access: row.access,
    accessReason: row.access_reason,
    accessSource: row.access_source,
    accessRuleId: row.access_rule_id,
    accessDecidedAt: row.access_decided_at.toISOString(),
    exemption: row.exemption_access,
    authMethod: row.auth_method,
    status: row.status,
    wipedAt: iso(row.wiped_at),
    firstSyncAt: iso(row.first_sync_at),
    lastSyncAt: iso(row.last_sync_at),
    lastSeenAddress: row.last_seen_address,
    protocol: row.protocol,
    protocolVersion: row.protocol_version,
    lastCommand: row.last_command,
    lastCommandAt: iso(row.last_command_at),
    heartbeatSeconds: row.heartbeat_seconds,
    policy,
    acknowledgedPolicy: acknowledged,
    policyAcknowledged:
      policy === null ||
      (acknowledged?.policyId === policy.policyId && acknowledged.version === policy.version),
    pendingWipe:
      row.wipe_id !== null &&
      row.wipe_kind !== null &&
      row.wipe_requested_by !== null &&
      row.wipe_requested_at !== null
        ? {
            wipeId: row.wipe_id,
            kind: row.wipe_kind,
            requestedBy: row.wipe_requested_by,
            requestedAt: row.wipe_requested_at.toISOString(),
          }
        : null,
    liveTokens: Number(row.live_tokens),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function encodeCursor(accountId: string, deviceId: string): string {
  return Buffer.from(JSON.stringify([accountId, deviceId]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // answered below
  }
  throw new BadRequestException({
    error: 'invalid_request',
    message: 'cursor: not a cursor this service issued',
  });
}

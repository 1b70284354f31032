import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger, migrateWithLock } from '@pushmail/platform';
import { requiredEnv } from '@pushmail/testing';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryConfig } from '../config/registry-config.js';
import { REGISTRY_SCHEMA, registryDataSourceOptions } from '../database/data-source-options.js';
import { TrailStore } from './trail-store.service.js';

const ADMIN_URL = requiredEnv('DATABASE_URL');
const CAP = 10;

describe(TrailStore.name, () => {
  let dataSource: DataSource;
  let store: TrailStore;
  const databaseName = `pm_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${databaseName}"`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${databaseName}`;
    dataSource = new DataSource(registryDataSourceOptions(url.toString()));
    await dataSource.initialize();
    await migrateWithLock(dataSource, REGISTRY_SCHEMA, createLogger('device-registry', 'warn'));
    store = new TrailStore(dataSource, {
      TRAIL_MAX_PER_DEVICE: CAP,
      TRAIL_RETENTION_DAYS: 1,
    } as RegistryConfig);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  });

  const batch = (accountId: string, deviceId: string, count: number, start = Date.now()) => ({
    batchId: randomUUID(),
    accountId,
    source: 'test',
    records: Array.from({ length: count }, (_, index) => ({
      deviceId,
      kind: 'connected' as const,
      at: new Date(start + index).toISOString(),
      detail: `#${index}`,
    })),
  });

  it('keeps at most the cap of records per device, dropping the oldest, and leaves other devices alone', async () => {
    const accountId = randomUUID();
    await store.appendBatches([batch(accountId, 'other', 3)]);
    await store.appendBatches([batch(accountId, 'busy', 25)]);
    const busy = (await store.forDevice(accountId, 'busy')).filter((entry) => entry.deviceId === 'busy');
    expect(busy).toHaveLength(CAP);
    expect(busy[0]?.detail).toBe('#24');
    expect(busy[CAP - 1]?.detail).toBe('#15');
    expect((await store.forAccount(accountId)).filter((entry) => entry.deviceId === 'other')).toHaveLength(3);
  });

  it('prunes records older than the retention', async () => {
    const accountId = randomUUID();
    await store.appendBatches([
      batch(accountId, 'phone', 2, Date.now() - 2 * 86_400_000),
      batch(accountId, 'phone', 1),
    ]);
    expect(await store.prune()).toBeGreaterThanOrEqual(2);
    expect(await store.forDevice(accountId, 'phone')).toHaveLength(1);
  });

  it('stores registry decisions beside the device records, and account-wide ones for every device', async () => {
    const accountId = randomUUID();
    await store.appendDeviceEvents([
      {
        eventId: randomUUID(),
        accountId,
        deviceId: 'phone',
        type: 'accessChanged',
        occurredAt: new Date().toISOString(),
        actor: 'administrator',
        access: { level: 'blocked', previous: 'allowed', rule: 'exemption: always blocked' },
      },
      {
        eventId: randomUUID(),
        accountId,
        deviceId: null,
        type: 'policyChanged',
        occurredAt: new Date().toISOString(),
        actor: 'administrator',
        policy: { policyId: randomUUID(), version: 2 },
      },
    ]);
    const trail = await store.forDevice(accountId, 'phone');
    expect(trail.map((entry) => entry.kind).sort()).toEqual(['accessDecision', 'policyDecision']);
    expect(trail.find((entry) => entry.kind === 'accessDecision')?.detail).toContain('allowed -> blocked');
  });
});

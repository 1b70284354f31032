import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createLogger, migrateWithLock } from '@pushmail/platform';
import { createTestDatabase, requiredEnv, type TestDatabase } from '@pushmail/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationsConfig } from '../config/operations-config.js';
import { OPERATIONS_SCHEMA, operationsDataSourceOptions } from '../database/data-source-options.js';
import { TrailStore, trailCapSlack } from './trail-store.service.js';

const ADMIN_URL = requiredEnv('DATABASE_URL');
const CAP = 10;

describe(TrailStore.name, () => {
  let dataSource: DataSource;
  let store: TrailStore;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(ADMIN_URL);
    dataSource = new DataSource(operationsDataSourceOptions(database.url));
    await dataSource.initialize();
    await migrateWithLock(dataSource, OPERATIONS_SCHEMA, createLogger('operations', 'warn'));
    store = new TrailStore(dataSource, {
      TRAIL_MAX_PER_DEVICE: CAP,
      TRAIL_RETENTION_DAYS: 1,
    } as OperationsConfig);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
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

  it('holds a device under the cap plus a slack between enforcements, and the timer brings it back to the cap', async () => {
    const cap = 30;
    const slack = trailCapSlack(cap);
    expect(slack).toBe(3);
    const capped = new TrailStore(dataSource, {
      TRAIL_MAX_PER_DEVICE: cap,
      TRAIL_RETENTION_DAYS: 1,
    } as OperationsConfig);
    const accountId = randomUUID();
    const stored = async (deviceId: string) =>
      (await capped.forDevice(accountId, deviceId)).filter((entry) => entry.deviceId === deviceId);
    const start = Date.now();
    await capped.appendBatches([batch(accountId, 'phone', cap + 5, start)]);
    expect(await stored('phone')).toHaveLength(cap);
    // One record at a time: never more than cap + slack - 1, and the newest are the ones kept.
    let most = 0;
    for (let index = 0; index < 4 * slack + 1; index++) {
      await capped.appendBatches([
        {
          ...batch(accountId, 'phone', 1),
          records: [
            {
              deviceId: 'phone',
              kind: 'connected',
              at: new Date(start + 1000 + index).toISOString(),
              detail: `late #${index}`,
            },
          ],
        },
      ]);
      most = Math.max(most, (await stored('phone')).length);
    }
    expect(most).toBe(cap + slack - 1);
    const before = await stored('phone');
    expect(before.length).toBeGreaterThan(cap);
    expect(before[0]?.detail).toBe(`late #${4 * slack}`);
    expect(await capped.capWritten()).toBe(before.length - cap);
    const after = await stored('phone');
    expect(after).toHaveLength(cap);
    expect(after.map((entry) => entry.id)).toEqual(before.slice(0, cap).map((entry) => entry.id));
    // Nothing written since: the next tick has nothing to do.
    expect(await capped.capWritten()).toBe(0);
  });

  it('caps account-wide records (no device) as a group of their own', async () => {
    const accountId = randomUUID();
    await store.appendBatches([batch(accountId, 'phone', 2)]);
    await store.appendDeviceEvents(
      Array.from({ length: CAP + 4 }, (_, index) => ({
        eventId: randomUUID(),
        accountId,
        deviceId: null,
        type: 'policyChanged' as const,
        occurredAt: new Date(Date.now() + index).toISOString(),
        actor: 'administrator',
        policy: { policyId: randomUUID(), version: index },
      })),
    );
    const trail = await store.forAccount(accountId);
    const accountWide = trail.filter((entry) => entry.deviceId === null);
    expect(accountWide).toHaveLength(CAP);
    expect(accountWide[0]?.detail).toContain(`version ${CAP + 3}`);
    expect(trail.filter((entry) => entry.deviceId === 'phone')).toHaveLength(2);
  });

  it("keeps a device's sends with their ids, recipient counts and outcomes, for the device's timeline", async () => {
    const accountId = randomUUID();
    const sends = [
      { submissionId: 'S1', emailId: 'M1', recipients: 3, outcome: 'sent' as const },
      { emailId: 'M2', outcome: 'refused' as const, error: 'forbiddenToSend' },
    ];
    await store.appendBatches([
      {
        batchId: randomUUID(),
        accountId,
        source: 'test',
        records: [
          {
            deviceId: 'phone',
            kind: 'request',
            at: new Date().toISOString(),
            request: { methods: ['EmailSubmission/set'], ok: true, durationMs: 12 },
            sends,
          },
        ],
      },
    ]);
    const [entry] = await store.forDevice(accountId, 'phone');
    expect(entry).toMatchObject({ kind: 'request', deviceId: 'phone', sends });
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

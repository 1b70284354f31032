import { randomUUID } from 'node:crypto';
import { el } from '@pushmail/activesync';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayPerSuite } from '../../testing/gateway-harness.js';
import { LastSyncRequests } from './last-sync-requests.js';

const syncOf = (key: string) =>
  el(
    'AirSync',
    'Sync',
    el(
      'AirSync',
      'Collections',
      el('AirSync', 'Collection', el('AirSync', 'SyncKey', key), el('AirSync', 'CollectionId', 'inbox')),
    ),
  );

describe(LastSyncRequests.name, () => {
  const gateway = gatewayPerSuite('last-sync-requests');
  let requests: LastSyncRequests;
  let dataSource: DataSource;

  beforeAll(async () => {
    requests = gateway.app!.get(LastSyncRequests);
    dataSource = gateway.app!.get(DataSource);
  });

  /** The row's version: a new one each time the row is written. */
  const versionOf = async (accountId: string) =>
    (
      (await dataSource.query(
        `SELECT xmin::text AS version FROM activesync.sync_requests WHERE account_id = $1`,
        [accountId],
      )) as { version: string }[]
    )[0]?.version;

  it('writes a request that differs from the last one and leaves the row alone when it is the same', async () => {
    const accountId = randomUUID();
    await requests.save(accountId, 'phone', syncOf('1'));
    const first = await versionOf(accountId);
    expect(first).toBeDefined();

    await requests.save(accountId, 'phone', syncOf('1'));
    expect(await versionOf(accountId)).toBe(first);

    await requests.save(accountId, 'phone', syncOf('2'));
    expect(await versionOf(accountId)).not.toBe(first);
    expect(await requests.find(accountId, 'phone')).toEqual(syncOf('2'));
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangesService } from '../../changes/changes.service.js';
import { mailArrivedEvent, rawMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../../usecases/store-delivery/store-delivery.usecase.js';
import { inOneSnapshot, readSnapshot, statesInSnapshot } from './read-snapshot.js';

describe('readSnapshot and inOneSnapshot', () => {
  let harness: MailboxTestApp;
  let dataSource: DataSource;
  let changes: ChangesService;
  const account = randomUUID();

  const deliver = (subject: string) =>
    harness.app.get(StoreDeliveryUseCase).execute([mailArrivedEvent(account, rawMessage({ subject }))]);
  /** A method's read: the account's modseq in its snapshot, and the transaction it ran in. */
  const method = () =>
    readSnapshot(dataSource, async (manager: EntityManager) => {
      const states = await statesInSnapshot(manager, account, () => changes.readStates(account, manager));
      const [{ started }] = (await manager.query('SELECT now()::text AS started')) as [{ started: string }];
      return { modseq: states.modseq, started, manager };
    });

  beforeAll(async () => {
    harness = await startMailboxApp();
    dataSource = harness.app.get(DataSource);
    changes = harness.app.get(ChangesService);
    await deliver('first');
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('reads in a REPEATABLE READ transaction, and rolls it back when the method fails', async () => {
    const isolation = await readSnapshot(dataSource, async (manager) => {
      const [row] = (await manager.query('SHOW transaction_isolation')) as [
        { transaction_isolation: string },
      ];
      return row.transaction_isolation;
    });
    expect(isolation).toBe('repeatable read');
    const table = `mailbox.snapshot_probe_${randomUUID().replaceAll('-', '')}`;
    const failed = await readSnapshot(dataSource, async (manager) => {
      await manager.query(`CREATE TABLE ${table} (id int)`);
      throw new Error('the method failed');
    }).catch((error: unknown) => error);
    expect(failed).toEqual(new Error('the method failed'));
    const [{ exists }] = (await dataSource.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
      table,
    ])) as [{ exists: boolean }];
    expect(exists).toBe(false);
  });

  it('runs each method in a transaction of its own outside a shared snapshot', async () => {
    const first = await method();
    await deliver('between');
    const second = await method();
    expect(second.manager).not.toBe(first.manager);
    expect(second.modseq).toBeGreaterThan(first.modseq);
  });

  it('runs the methods of a request in one snapshot, blind to what commits between them', async () => {
    const [first, second] = await inOneSnapshot(dataSource, async () => {
      const before = await method();
      await deliver('during');
      return [before, await method()] as const;
    });
    expect(second.manager).toBe(first.manager);
    expect(second.started).toBe(first.started);
    expect(second.modseq).toBe(first.modseq);
    // The delivery did commit: a read after the request sees it.
    expect((await method()).modseq).toBeGreaterThan(first.modseq);
  });

  it('gives the methods after a failed one snapshots of their own', async () => {
    const after = await inOneSnapshot(dataSource, async () => {
      const failed = await readSnapshot(dataSource, (manager) =>
        manager.query('SELECT 1 / 0 AS never'),
      ).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(Error);
      // The shared transaction is aborted now; this read would fail in it with 25P02.
      return method();
    });
    expect(after.modseq).toBeGreaterThan(0);
  });

  it("reads the caller's account states with the BEGIN, in the request's snapshot", async () => {
    const result = await inOneSnapshot(
      dataSource,
      () =>
        readSnapshot(dataSource, async (manager) => {
          const states = await statesInSnapshot(manager, account, () => {
            throw new Error('read again, though the BEGIN read them');
          });
          await deliver('after the snapshot began');
          const [row] = (await manager.query(
            'SELECT modseq::int AS modseq FROM mailbox.account_state WHERE account_id = $1',
            [account],
          )) as [{ modseq: number }];
          return { preloaded: states.modseq, inSnapshot: row.modseq };
        }),
      account,
    );
    expect(result.preloaded).toBe(result.inSnapshot);
    expect((await method()).modseq).toBe(result.preloaded + 1);
  });

  it('writes nothing but an account id into a statement: any other id is read as before', async () => {
    let reads = 0;
    const hostile = "00000000-0000-0000-0000-000000000000'; DROP TABLE mailbox.emails; --";
    const states = await inOneSnapshot(
      dataSource,
      () =>
        readSnapshot(dataSource, (manager) =>
          statesInSnapshot(manager, hostile, () => {
            reads += 1;
            return changes.readStates(account, manager);
          }),
        ),
      hostile,
    );
    expect(reads).toBe(1);
    expect(states.modseq).toBeGreaterThan(0);
    const [{ exists }] = (await dataSource.query(
      "SELECT to_regclass('mailbox.emails') IS NOT NULL AS exists",
    )) as [{ exists: boolean }];
    expect(exists).toBe(true);
  });
});

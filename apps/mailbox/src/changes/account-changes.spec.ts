import { QueryFailedError } from 'typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import type { MailboxChangesPublisher } from '../publishing/mailbox-changes.publisher.js';
import { AccountChanges, isTransientConflict, retryPause, TRANSACTION_ATTEMPTS } from './account-changes.js';

const failed = (code: string): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error('conflict'), { code }));

const STATE_ROW = {
  modseq: '7',
  email_modseq: '7',
  mailbox_modseq: '7',
  thread_modseq: '7',
  identity_modseq: '7',
  submission_modseq: '7',
  delivery_modseq: '7',
  vacation_modseq: '7',
  changes_horizon: '0',
};

/** A data source whose transactions fail with the given codes, one per attempt, then succeed. */
function failingTransactions(codes: string[]): { dataSource: DataSource; attempts: () => number } {
  let attempts = 0;
  // The account's lock is a prepared statement on the transaction's connection.
  const client = { query: async () => ({ rows: [STATE_ROW] }) };
  const manager = {
    queryRunner: { isReleased: false, connect: async () => client },
  } as unknown as EntityManager;
  const dataSource = {
    transaction: async (work: (manager: EntityManager) => Promise<unknown>) => {
      attempts += 1;
      const result = await work(manager);
      const code = codes[attempts - 1];
      if (code !== undefined) throw failed(code);
      return result;
    },
  } as unknown as DataSource;
  return { dataSource, attempts: () => attempts };
}

const quietLogger = { warn: () => undefined } as unknown as Logger;
const accounts = (dataSource: DataSource) =>
  new AccountChanges(dataSource, {} as MailboxChangesPublisher, quietLogger);

describe(AccountChanges.name, () => {
  it('runs a transaction that lost a deadlock or a serialization conflict again', async () => {
    const { dataSource, attempts } = failingTransactions(['40P01', '40001']);
    let runs = 0;
    const committed = await accounts(dataSource).write('a', async () => (runs += 1));
    expect(attempts()).toBe(3);
    expect(committed.result).toBe(3);
    expect(committed.before.modseq).toBe(7);
  });

  it('gives up after a bounded number of attempts, and at once on other errors', async () => {
    const endless = failingTransactions(Array<string>(TRANSACTION_ATTEMPTS + 1).fill('40P01'));
    await expect(accounts(endless.dataSource).write('a', async () => 1)).rejects.toThrow('conflict');
    expect(endless.attempts()).toBe(TRANSACTION_ATTEMPTS);

    const permanent = failingTransactions(['23505']);
    await expect(accounts(permanent.dataSource).write('a', async () => 1)).rejects.toThrow('conflict');
    expect(permanent.attempts()).toBe(1);
  });

  it('classifies only deadlocks and serialization failures as transient, and pauses a random while', () => {
    expect(isTransientConflict(failed('40P01'))).toBe(true);
    expect(isTransientConflict(failed('40001'))).toBe(true);
    expect(isTransientConflict(failed('57014'))).toBe(false);
    expect(isTransientConflict(new Error('no code'))).toBe(false);
    const pauses = Array.from({ length: 50 }, () => retryPause(1));
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(30);
    expect(new Set(pauses).size).toBeGreaterThan(1);
    expect(retryPause(3)).toBeGreaterThanOrEqual(40);
  });
});

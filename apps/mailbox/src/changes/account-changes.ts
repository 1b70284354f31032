import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { type ChangeCause, MailboxChangesPublisher } from '../publishing/mailbox-changes.publisher.js';
import { postgresErrorCode } from '../store/store-errors.js';
import { AccountWrite } from './account-write.js';
import type { AccountStates } from './change-log.js';

/** How often an account transaction runs at most when PostgreSQL aborts it for a conflict. */
export const TRANSACTION_ATTEMPTS = 4;

/** Deadlock victim (40P01) or serialization failure (40001): the same work may well succeed again. */
export function isTransientConflict(error: unknown): boolean {
  const code = postgresErrorCode(error);
  return code === '40P01' || code === '40001';
}

/** 10-30 ms before the second attempt, doubling after: random, so the two sides part ways. */
export function retryPause(attempt: number): number {
  return 10 * 2 ** (attempt - 1) * (1 + 2 * Math.random());
}

/** What one change transaction of an account did. */
export interface CommittedWrite<T> {
  result: T;
  /** The account's states before and after; the same when nothing changed. */
  before: AccountStates;
  after: AccountStates;
}

/**
 * Changes of an account outside a delivery (a device's /set, a delivery status): each in one change
 * transaction of its account, announced on the mailbox-changed topic after the commit.
 */
@Injectable()
export class AccountChanges {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MailboxChangesPublisher) private readonly publisher: MailboxChangesPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runs `work` with the account locked; what it records commits with it. Announces nothing.
   *
   * A transaction PostgreSQL aborts as a deadlock victim (40P01) or a serialization failure (40001)
   * rolled back everything, so it runs again from the start, after a short random pause, a few
   * times before the error reaches the caller (for a JMAP method: serverFail). `work` must
   * therefore keep what it collects in the attempt (it may run more than once) and act outside the
   * database only after this returns.
   */
  async write<T>(accountId: string, work: (write: AccountWrite) => Promise<T>): Promise<CommittedWrite<T>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const write = await AccountWrite.open(manager, accountId);
          const result = await work(write);
          return { result, before: write.before, after: await write.commit() };
        });
      } catch (error) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isTransientConflict(error)) throw error;
        this.logger.warn(
          { err: error, accountId, attempt },
          'an account transaction lost a lock conflict; running it again',
        );
        await sleep(retryPause(attempt));
      }
    }
  }

  /**
   * Announces the committed changes of the accounts. They are durable already: a failed announcement
   * is repeated by the sweeper, so it is logged, not thrown.
   */
  async announce(accountIds: readonly string[], cause: ChangeCause): Promise<void> {
    try {
      await this.publisher.publishPending(accountIds, cause);
    } catch (error) {
      this.logger.warn(
        { err: error, accountIds, cause },
        'announcing account changes failed; it will be repeated',
      );
    }
  }
}

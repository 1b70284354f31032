import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { type ChangeCause, MailboxChangesPublisher } from '../publishing/mailbox-changes.publisher.js';
import { AccountWrite } from './account-write.js';
import type { AccountStates } from './change-log.js';

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

  /** Runs `work` with the account locked; what it records commits with it. Announces nothing. */
  async write<T>(accountId: string, work: (write: AccountWrite) => Promise<T>): Promise<CommittedWrite<T>> {
    return this.dataSource.transaction(async (manager) => {
      const write = await AccountWrite.open(manager, accountId);
      const result = await work(write);
      return { result, before: write.before, after: await write.commit() };
    });
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

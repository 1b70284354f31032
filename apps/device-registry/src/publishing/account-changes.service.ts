import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AccountPublisher } from './account-publisher.service.js';

/**
 * How the registry changes an account: the work in one transaction, then, once it has committed,
 * the account's snapshots published before the answer (the outbox relay delivers what that
 * attempt could not).
 */
@Injectable()
export class AccountChanges {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountPublisher) private readonly publisher: AccountPublisher,
  ) {}

  /** `changed` tells from the work's result whether it changed anything a snapshot shows. */
  async commit<T>(
    accountId: string,
    work: (manager: EntityManager) => Promise<T>,
    changed: (result: T) => boolean = () => true,
  ): Promise<T> {
    const result = await this.dataSource.transaction(work);
    if (changed(result)) await this.publisher.publishAfterCommit(accountId);
    return result;
  }

  /** A change that can touch many accounts (a rule, a policy): the work returns those it changed. */
  async commitMany(work: (manager: EntityManager) => Promise<readonly string[]>): Promise<void> {
    const accounts = await this.dataSource.transaction(work);
    await this.publisher.publishManyAfterCommit(accounts);
  }
}

import { NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Account } from './entities/account.entity.js';

/** The 404 of a request naming an account that does not exist. */
export function accountNotFound(accountId: string): NotFoundException {
  return new NotFoundException({ error: 'account_not_found', message: `no account ${accountId}` });
}

/**
 * Takes the account's row lock for the rest of the transaction. Every change to an account or its
 * devices goes through it, so changes to one account (and the device limit check) are serialised.
 */
export function lockAccount(manager: EntityManager, accountId: string): Promise<Account | null> {
  return manager
    .createQueryBuilder(Account, 'account')
    .setLock('pessimistic_write')
    .where('account.id = :accountId', { accountId })
    .getOne();
}

/** Takes the lock of an account a request names by id; 404 when there is no such account. */
export async function lockNamedAccount(manager: EntityManager, accountId: string): Promise<Account> {
  const account = await lockAccount(manager, accountId);
  if (!account) throw accountNotFound(accountId);
  return account;
}

/**
 * Marks the account changed, in the transaction of the change: the outbox relay publishes any
 * account whose revision moved past the published one.
 */
export async function bumpAccountRevision(manager: EntityManager, accountId: string): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(Account)
    // The wall clock rather than the transaction start, so a change that waited for the lock
    // never looks older than the one it waited for.
    .set({ revision: () => 'revision + 1', updatedAt: () => 'clock_timestamp()' })
    .where('id = :accountId', { accountId })
    .execute();
}

/** The account's revision as this transaction sees it: after a bump, the revision its snapshot will carry. */
export async function revisionOf(manager: EntityManager, accountId: string): Promise<number> {
  const account = await manager.findOne(Account, {
    where: { id: accountId },
    select: { id: true, revision: true },
  });
  return account?.revision ?? 0;
}

import type { EntityManager } from 'typeorm';
import { lockAccessConfiguration } from '../access/access-lock.js';
import { lockAccount } from '../accounts/account-revision.js';
import type { Account } from '../accounts/entities/account.entity.js';
import { AccountDisabledException, InvalidCredentialsException } from './devices.errors.js';

/**
 * Takes the locks a partnership decision needs (the access configuration, shared, then the account)
 * and checks the account again: it may have changed while the password was being checked.
 */
export async function lockSignedInAccount(manager: EntityManager, accountId: string): Promise<Account> {
  await lockAccessConfiguration(manager, 'shared');
  const account = await lockAccount(manager, accountId);
  if (!account || account.status === 'deleted') throw new InvalidCredentialsException();
  if (account.status !== 'active') throw new AccountDisabledException();
  return account;
}

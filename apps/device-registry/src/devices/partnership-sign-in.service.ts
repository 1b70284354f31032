import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { lockAccessConfiguration } from '../access/access-lock.js';
import { lockAccount } from '../accounts/account-revision.js';
import type { Account } from '../accounts/entities/account.entity.js';
import { SignIn } from '../credentials/sign-in.service.js';
import { AccountChanges } from '../publishing/account-changes.service.js';
import { AccountDisabledException, InvalidCredentialsException } from './devices.errors.js';
import { type PartnershipInput, type PartnershipOutcome, Partnerships } from './partnerships.service.js';

/** The partnership a device's sign-in created or refreshed, inside the account's change. */
export interface SignedInPartnership extends PartnershipOutcome {
  accountId: string;
  address: string;
}

/**
 * A device signing in with the account's password, to register or as a standard JMAP client: the
 * password is checked, then one change of the account takes the locks a decision needs, creates
 * or refreshes the partnership, and runs the caller's `then` in the same transaction.
 */
@Injectable()
export class PartnershipSignIn {
  constructor(
    @Inject(SignIn) private readonly signIn: SignIn,
    @Inject(Partnerships) private readonly partnerships: Partnerships,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  /** `changed` tells from `then`'s result whether the change is worth publishing (always, by default). */
  async execute<T>(
    credentials: { address: string; password: string },
    device: PartnershipInput,
    then: (manager: EntityManager, partnership: SignedInPartnership) => Promise<T>,
    changed?: (result: T) => boolean,
  ): Promise<{ accountId: string; result: T }> {
    const accountId = await this.signIn.verify(credentials.address, credentials.password);
    const result = await this.changes.commit(
      accountId,
      async (manager) => {
        const account = await lockSignedInAccount(manager, accountId);
        const partnership = await this.partnerships.upsert(manager, accountId, device);
        return then(manager, { ...partnership, accountId, address: account.address });
      },
      changed,
    );
    return { accountId, result };
  }
}

/**
 * Takes the locks a partnership decision needs (the access configuration, shared, then the account)
 * and checks the account again: it may have changed while the password was being checked.
 */
async function lockSignedInAccount(manager: EntityManager, accountId: string): Promise<Account> {
  await lockAccessConfiguration(manager, 'shared');
  const account = await lockAccount(manager, accountId);
  if (!account || account.status === 'deleted') throw new InvalidCredentialsException();
  if (account.status !== 'active') throw new AccountDisabledException();
  return account;
}

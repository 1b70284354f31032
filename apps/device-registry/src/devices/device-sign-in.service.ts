import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { bumpAccountRevision } from '../accounts/account-revision.js';
import { SignIn } from '../credentials/sign-in.service.js';
import { AccountChanges } from '../publishing/account-changes.service.js';
import { DeviceBlockedException } from './devices.errors.js';
import { lockSignedInAccount } from './lock-signed-in-account.js';
import { type PartnershipInput, type PartnershipOutcome, Partnerships } from './partnerships.service.js';

/**
 * A device signing in with its account's address and password, to register or as a standard
 * client: the password is checked, then in one account change the partnership is created or
 * refreshed under the locks its decision needs, and `admit` does the caller's part for a device that
 * may sync. A blocked device is recorded (an administrator can see and allow it) and refused with a
 * 403 once that change is published.
 */
@Injectable()
export class DeviceSignIn {
  constructor(
    @Inject(SignIn) private readonly signIn: SignIn,
    @Inject(Partnerships) private readonly partnerships: Partnerships,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  async execute<T>({ credentials, device, admit }: DeviceSignInRequest<T>): Promise<SignedInDevice<T>> {
    const accountId = await this.signIn.verify(credentials.address, credentials.password);
    const outcome = await this.changes.commit(
      accountId,
      async (manager) => {
        const account = await lockSignedInAccount(manager, accountId);
        const partnership = await this.partnerships.upsert(manager, accountId, device);
        if (partnership.decision.level === 'blocked') {
          if (partnership.changed) await bumpAccountRevision(manager, accountId);
          return {
            blocked: true as const,
            address: account.address,
            partnership,
            changed: partnership.changed,
          };
        }
        const { admitted, changed } = await admit(manager, accountId, partnership);
        return { blocked: false as const, address: account.address, partnership, admitted, changed };
      },
      (result) => result.changed,
    );
    if (outcome.blocked) throw new DeviceBlockedException(outcome.partnership.decision);
    return {
      accountId,
      address: outcome.address,
      partnership: outcome.partnership,
      admitted: outcome.admitted,
    };
  }
}

export interface DeviceSignInRequest<T> {
  credentials: { address: string; password: string };
  device: PartnershipInput;
  /** What the caller does for an admitted device, in the partnership's transaction. */
  admit: AdmitDevice<T>;
}

export type AdmitDevice<T> = (
  manager: EntityManager,
  accountId: string,
  partnership: PartnershipOutcome,
) => Promise<{ admitted: T; changed: boolean }>;

export interface SignedInDevice<T> {
  accountId: string;
  address: string;
  partnership: PartnershipOutcome;
  admitted: T;
}

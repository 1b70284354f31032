import { Inject, Injectable } from '@nestjs/common';
import type { PasswordSignIn, SignedInPrincipal } from '@pushmail/contracts';
import { bumpAccountRevision, revisionOf } from '../../accounts/account-revision.js';
import { DeviceBlockedException } from '../../devices/devices.errors.js';
import { PartnershipSignIn } from '../../devices/partnership-sign-in.service.js';

/**
 * A standard JMAP client's sign-in with the account's address and password, on its behalf by
 * push-delivery: the first contact creates the partnership, every later one refreshes it, and
 * every rule (lockout, device limit, access) applies exactly as for a registration.
 */
@Injectable()
export class AuthenticateDevice {
  constructor(@Inject(PartnershipSignIn) private readonly signIn: PartnershipSignIn) {}

  async execute(input: PasswordSignIn): Promise<SignedInPrincipal> {
    const { accountId, result: outcome } = await this.signIn.execute(
      input,
      { ...input, authMethod: 'password' },
      async (manager, partnership) => {
        if (partnership.changed) await bumpAccountRevision(manager, partnership.accountId);
        return { ...partnership, revision: await revisionOf(manager, partnership.accountId) };
      },
      (result) => result.changed,
    );
    if (outcome.decision.level === 'blocked') throw new DeviceBlockedException(outcome.decision);
    return {
      accountId,
      address: outcome.address,
      deviceId: input.deviceId,
      created: outcome.created,
      access: outcome.decision.level,
      accessRule: outcome.decision.rule,
      revision: outcome.revision,
    };
  }
}

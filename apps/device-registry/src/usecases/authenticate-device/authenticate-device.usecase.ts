import { Inject, Injectable } from '@nestjs/common';
import type { DeviceAccessLevel } from '@pushmail/contracts';
import { bumpAccountRevision, revisionOf } from '../../accounts/account-revision.js';
import { SignIn } from '../../credentials/sign-in.service.js';
import { AccountChanges } from '../../publishing/account-changes.service.js';
import { DeviceBlockedException } from '../../devices/devices.errors.js';
import type { AuthenticateDeviceDto } from '../../devices/dto/internal.dto.js';
import { lockSignedInAccount } from '../../devices/lock-signed-in-account.js';
import { Partnerships } from '../../devices/partnerships.service.js';

export interface AuthenticatedPrincipal {
  accountId: string;
  address: string;
  deviceId: string;
  created: boolean;
  access: DeviceAccessLevel;
  accessRule: string;
  /** The account revision whose credentials snapshot includes this partnership as decided here. */
  revision: number;
}

/**
 * A standard JMAP client's sign-in with the account's address and password, on its behalf by
 * push-delivery: the first contact creates the partnership, every later one refreshes it, and
 * every rule (lockout, device limit, access) applies exactly as for a registration.
 */
@Injectable()
export class AuthenticateDevice {
  constructor(
    @Inject(SignIn) private readonly signIn: SignIn,
    @Inject(Partnerships) private readonly partnerships: Partnerships,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  async execute(input: AuthenticateDeviceDto): Promise<AuthenticatedPrincipal> {
    const accountId = await this.signIn.verify(input.address, input.password);
    const outcome = await this.changes.commit(
      accountId,
      async (manager) => {
        const account = await lockSignedInAccount(manager, accountId);
        const partnership = await this.partnerships.upsert(manager, accountId, {
          deviceId: input.deviceId,
          deviceType: input.deviceType,
          model: input.model,
          os: input.os,
          userAgent: input.userAgent,
          clientAddress: input.clientAddress,
          authMethod: 'password',
        });
        if (partnership.changed) await bumpAccountRevision(manager, accountId);
        return { ...partnership, address: account.address, revision: await revisionOf(manager, accountId) };
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

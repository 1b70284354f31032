import { Inject, Injectable } from '@nestjs/common';
import type { DeviceAccessLevel } from '@pushmail/contracts';
import { bumpAccountRevision, revisionOf } from '../../accounts/account-revision.js';
import { DeviceSignIn } from '../../devices/device-sign-in.service.js';
import type { AuthenticateDeviceDto } from '../../devices/dto/internal.dto.js';

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
  constructor(@Inject(DeviceSignIn) private readonly deviceSignIn: DeviceSignIn) {}

  async execute(input: AuthenticateDeviceDto): Promise<AuthenticatedPrincipal> {
    const { accountId, address, partnership, admitted } = await this.deviceSignIn.execute({
      credentials: input,
      device: {
        deviceId: input.deviceId,
        deviceType: input.deviceType,
        model: input.model,
        os: input.os,
        userAgent: input.userAgent,
        clientAddress: input.clientAddress,
        authMethod: 'password',
      },
      admit: async (manager, accountId, { changed }) => {
        if (changed) await bumpAccountRevision(manager, accountId);
        return { admitted: { revision: await revisionOf(manager, accountId) }, changed };
      },
    });
    return {
      accountId,
      address,
      deviceId: input.deviceId,
      created: partnership.created,
      access: partnership.decision.level,
      accessRule: partnership.decision.rule,
      revision: admitted.revision,
    };
  }
}

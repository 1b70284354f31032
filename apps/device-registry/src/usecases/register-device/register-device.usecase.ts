import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import { bumpAccountRevision } from '../../accounts/account-revision.js';
import type { RegistryConfig } from '../../config/registry-config.js';
import { issueDeviceToken } from '../../credentials/device-token.js';
import { DeviceBlockedException } from '../../devices/devices.errors.js';
import type { RegistrationResponse } from '../../devices/dto/device.response.js';
import type { RegisterDeviceDto } from '../../devices/dto/register-device.dto.js';
import { replaceDeviceToken } from '../../devices/device-tokens.js';
import { PartnershipSignIn } from '../../devices/partnership-sign-in.service.js';
import { Device } from '../../devices/entities/device.entity.js';
import { refuseTokenIfBarred } from '../../devices/token-refusal.js';

/**
 * The device's answer (the token in it exists outside the device only this once: only its digest
 * is stored; a `quarantined` device may connect but receives no mail until an administrator allows
 * it), and whether the partnership is new rather than refreshed.
 */
export type RegisteredDevice = RegistrationResponse & { created: boolean };

/**
 * The partnership between an account and a device: the first registration creates it, a later one
 * with the same device id refreshes it (metadata, last seen address) and replaces its token. A
 * blocked device is recorded (so an administrator can see and allow it) but gets no token; a wiped
 * device, or one with a wipe waiting for it, is refused (403) like a token rotation.
 */
@Injectable()
export class RegisterDevice {
  constructor(
    @Inject(PartnershipSignIn) private readonly signIn: PartnershipSignIn,
    @Inject(CONFIG) private readonly config: Pick<RegistryConfig, 'PUBLIC_JMAP_URL'>,
  ) {}

  async execute(input: RegisterDeviceDto, clientAddress: string | null): Promise<RegisteredDevice> {
    const issued = issueDeviceToken();
    const { accountId, result: outcome } = await this.signIn.execute(
      input,
      { ...input, clientAddress, authMethod: 'token' },
      async (manager, partnership) => {
        if (partnership.decision.level === 'blocked') {
          if (partnership.changed) await bumpAccountRevision(manager, partnership.accountId);
          return { ...partnership, blocked: true as const };
        }
        // A refreshed partnership gets no token while the device is wiped or a wipe waits for it,
        // as a rotation gets none; the refusal rolls the refresh back.
        const key = { accountId: partnership.accountId, deviceId: input.deviceId };
        await refuseTokenIfBarred(manager, await manager.findOneByOrFail(Device, key));
        await replaceDeviceToken(manager, key, issued.sha256);
        await bumpAccountRevision(manager, partnership.accountId);
        return { ...partnership, blocked: false as const };
      },
    );
    if (outcome.blocked) throw new DeviceBlockedException(outcome.decision);
    return {
      created: outcome.created,
      accountId,
      deviceId: input.deviceId,
      token: issued.token,
      sessionUrl: this.config.PUBLIC_JMAP_URL ?? null,
      access: outcome.decision.level,
      accessRule: outcome.decision.rule,
    };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { DeviceAccessLevel } from '@pushmail/contracts';
import { CONFIG } from '@pushmail/platform';
import { bumpAccountRevision } from '../../accounts/account-revision.js';
import type { RegistryConfig } from '../../config/registry-config.js';
import { issueDeviceToken } from '../../credentials/device-token.js';
import { SignIn } from '../../credentials/sign-in.service.js';
import { AccountChanges } from '../../publishing/account-changes.service.js';
import { DeviceBlockedException } from '../../devices/devices.errors.js';
import type { RegisterDeviceDto } from '../../devices/dto/register-device.dto.js';
import { replaceDeviceToken } from '../../devices/device-tokens.js';
import { lockSignedInAccount } from '../../devices/lock-signed-in-account.js';
import { Partnerships } from '../../devices/partnerships.service.js';
import { Device } from '../../devices/entities/device.entity.js';
import { refuseTokenIfBarred } from '../../devices/token-refusal.js';

export interface RegisteredDevice {
  /** False when the device already had a partnership with the account, which was refreshed. */
  created: boolean;
  accountId: string;
  deviceId: string;
  /** The only time the token exists outside the device: only its digest is stored. */
  token: string;
  sessionUrl: string | null;
  /** `quarantined` devices may connect but receive no mail until an administrator allows them. */
  access: DeviceAccessLevel;
  accessRule: string;
}

/**
 * The partnership between an account and a device: the first registration creates it, a later one
 * with the same device id refreshes it (metadata, last seen address) and replaces its token. A
 * blocked device is recorded (so an administrator can see and allow it) but gets no token; a wiped
 * device, or one with a wipe waiting for it, is refused (403) like a token rotation.
 */
@Injectable()
export class RegisterDevice {
  constructor(
    @Inject(SignIn) private readonly signIn: SignIn,
    @Inject(Partnerships) private readonly partnerships: Partnerships,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
    @Inject(CONFIG) private readonly config: Pick<RegistryConfig, 'PUBLIC_JMAP_URL'>,
  ) {}

  async execute(input: RegisterDeviceDto, clientAddress: string | null): Promise<RegisteredDevice> {
    const accountId = await this.signIn.verify(input.address, input.password);
    const issued = issueDeviceToken();

    const outcome = await this.changes.commit(accountId, async (manager) => {
      await lockSignedInAccount(manager, accountId);

      const partnership = await this.partnerships.upsert(manager, accountId, {
        ...input,
        clientAddress,
        authMethod: 'token',
      });
      if (partnership.decision.level === 'blocked') {
        if (partnership.changed) await bumpAccountRevision(manager, accountId);
        return { ...partnership, blocked: true as const };
      }
      // A refreshed partnership gets no token while the device is wiped or a wipe waits for it,
      // as a rotation gets none; the refusal rolls the refresh back.
      const device = await manager.findOneByOrFail(Device, { accountId, deviceId: input.deviceId });
      await refuseTokenIfBarred(manager, device);
      await replaceDeviceToken(manager, { accountId, deviceId: input.deviceId }, issued.sha256);
      await bumpAccountRevision(manager, accountId);
      return { ...partnership, blocked: false as const };
    });
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

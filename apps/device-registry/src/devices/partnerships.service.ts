import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PasswordSignIn } from '@pushmail/contracts';
import { CONFIG } from '@pushmail/platform';
import type { AccessDecision } from '../access/access-decision.js';
import { AccessService } from '../access/access.service.js';
import type { RegistryConfig } from '../config/registry-config.js';
import { recordDeviceEvent } from '../device-events/record-device-event.js';
import { DeviceLimitReachedException, DeviceWipedException } from './devices.errors.js';
import { Device, type DeviceAuthMethod } from './entities/device.entity.js';

/** What a device tells about itself when it signs in, and how it signs in. */
export type PartnershipInput = Omit<PasswordSignIn, 'address' | 'password'> & {
  authMethod: DeviceAuthMethod;
};

export interface PartnershipOutcome {
  created: boolean;
  decision: AccessDecision;
  /** Whether anything the credentials snapshot carries changed (a new device, its access or rule). */
  changed: boolean;
}

/**
 * Creates or refreshes a device's partnership with an account, deciding its access with the
 * current rules. Runs inside the caller's transaction, which holds the shared access configuration
 * lock and then the account lock (so the device limit holds under concurrent registrations).
 */
@Injectable()
export class Partnerships {
  constructor(
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(CONFIG) private readonly config: Pick<RegistryConfig, 'MAX_DEVICES_PER_ACCOUNT'>,
  ) {}

  async upsert(
    manager: EntityManager,
    accountId: string,
    input: PartnershipInput,
  ): Promise<PartnershipOutcome> {
    const key = { accountId, deviceId: input.deviceId };
    const existing = await manager.findOneBy(Device, key);
    if (existing?.status === 'wiped') throw new DeviceWipedException();
    const decision = await this.access.decide(manager, accountId, input.deviceId, input);
    const decided = {
      access: decision.level,
      accessReason: decision.rule,
      accessSource: decision.source,
      accessRuleId: decision.ruleId,
    };
    const metadata = {
      deviceType: input.deviceType,
      model: input.model,
      os: input.os,
      userAgent: input.userAgent,
      lastSeenAddress: input.clientAddress ?? existing?.lastSeenAddress ?? null,
    };

    if (!existing) {
      const deviceCount = await manager.countBy(Device, { accountId });
      const limit = this.config.MAX_DEVICES_PER_ACCOUNT;
      if (deviceCount >= limit) throw new DeviceLimitReachedException(limit, deviceCount, accountId);
      await manager.insert(Device, {
        ...key,
        ...metadata,
        ...decided,
        authMethod: input.authMethod,
        status: 'active',
      });
      await recordDeviceEvent(manager, {
        accountId,
        deviceId: input.deviceId,
        type: 'registered',
        actor: 'device',
        access: { level: decision.level, previous: null, rule: decision.rule.slice(0, 300) },
      });
      return { created: true, decision, changed: true };
    }

    const accessChanged = existing.access !== decision.level || existing.accessReason !== decision.rule;
    const metadataChanged = (Object.keys(metadata) as (keyof typeof metadata)[]).some(
      (name) => existing[name] !== metadata[name],
    );
    // A token registration marks the device as a token holder; a password sign-in never takes that away.
    const authMethod = input.authMethod === 'token' ? 'token' : existing.authMethod;
    if (accessChanged || metadataChanged || authMethod !== existing.authMethod) {
      await manager.update(Device, key, {
        ...metadata,
        ...decided,
        authMethod,
        ...(accessChanged ? { accessDecidedAt: () => 'clock_timestamp()' } : {}),
        updatedAt: () => 'clock_timestamp()',
      });
    }
    if (existing.access !== decision.level) {
      await recordDeviceEvent(manager, {
        accountId,
        deviceId: input.deviceId,
        type: 'accessChanged',
        actor: 'access rules',
        access: { level: decision.level, previous: existing.access, rule: decision.rule.slice(0, 300) },
      });
    }
    return { created: false, decision, changed: accessChanged };
  }
}

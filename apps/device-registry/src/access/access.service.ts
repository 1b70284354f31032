import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { DeviceAccessLevel } from '@pushmail/contracts';
import { apiView } from '@pushmail/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { bumpAccountRevision, lockAccount, lockNamedAccount } from '../accounts/account-revision.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import { recordDeviceEvent } from '../device-events/record-device-event.js';
import { Device } from '../devices/entities/device.entity.js';
import { AccountChanges } from '../publishing/account-changes.service.js';
import { OrgSettings } from '../settings/entities/org-settings.entity.js';
import { type AccessDecision, decideAccess, type DeviceForDecision } from './access-decision.js';
import { lockAccessConfiguration } from './access-lock.js';
import type { AccessRuleView, CreateAccessRuleDto, ExemptionView } from './dto/access.dto.js';
import { AccessRule } from './entities/access-rule.entity.js';
import { DeviceExemption, type ExemptionAccess } from './entities/device-exemption.entity.js';

/**
 * The access configuration (organisation default, rules, per-device exemptions) and its effect:
 * every change re-decides the partnerships it can touch, records which rule decided, and
 * publishes the accounts whose devices changed, so connected devices feel it at once.
 */
@Injectable()
export class AccessService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  /** The decision for one device, inside a transaction holding the shared configuration lock. */
  async decide(
    manager: EntityManager,
    accountId: string,
    deviceId: string,
    device: DeviceForDecision,
  ): Promise<AccessDecision> {
    const exemption = await manager.findOneBy(DeviceExemption, { accountId, deviceId });
    const rules = await manager.find(AccessRule);
    const settings = await manager.findOneByOrFail(OrgSettings, { id: 1 });
    return decideAccess(device, exemption, rules, settings.defaultAccess);
  }

  async listRules(): Promise<AccessRuleView[]> {
    const rules = await this.dataSource
      .getRepository(AccessRule)
      .find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rules.map(ruleView);
  }

  async createRule(input: CreateAccessRuleDto): Promise<AccessRuleView> {
    const id = randomUUID();
    await this.reconfigure(async (manager) => {
      try {
        await manager.insert(AccessRule, {
          id,
          matchField: input.matchField,
          pattern: input.pattern,
          access: input.access,
          description: input.description ?? null,
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictException({
            error: 'rule_exists',
            message: `a ${input.matchField} rule for "${input.pattern}" already exists; delete it first`,
          });
        }
        throw error;
      }
    });
    const rule = await this.dataSource.getRepository(AccessRule).findOneByOrFail({ id });
    return ruleView(rule);
  }

  async deleteRule(ruleId: string): Promise<void> {
    await this.reconfigure(async (manager) => {
      const result = await manager.delete(AccessRule, { id: ruleId });
      if (!result.affected)
        throw new NotFoundException({ error: 'rule_not_found', message: `no access rule ${ruleId}` });
    });
  }

  async defaultAccess(): Promise<DeviceAccessLevel> {
    return (await this.dataSource.getRepository(OrgSettings).findOneByOrFail({ id: 1 })).defaultAccess;
  }

  async setDefaultAccess(level: DeviceAccessLevel): Promise<void> {
    await this.reconfigure(async (manager) => {
      await manager.update(
        OrgSettings,
        { id: 1 },
        { defaultAccess: level, updatedAt: () => 'clock_timestamp()' },
      );
    });
  }

  async listExemptions(accountId?: string): Promise<ExemptionView[]> {
    const exemptions = await this.dataSource.getRepository(DeviceExemption).find({
      where: accountId ? { accountId } : {},
      order: { createdAt: 'ASC' },
      take: 1000,
    });
    return exemptions.map(exemptionView);
  }

  /**
   * "This device of this account is always allowed / always blocked": how an administrator allows
   * a quarantined device or blocks one. The device need not have connected yet.
   */
  async setExemption(
    accountId: string,
    deviceId: string,
    access: ExemptionAccess,
    note: string | null,
  ): Promise<ExemptionView> {
    await this.changes.commit(accountId, async (manager) => {
      await lockAccessConfiguration(manager, 'shared');
      await lockNamedAccount(manager, accountId);
      await manager.upsert(DeviceExemption, { accountId, deviceId, access, note }, ['accountId', 'deviceId']);
      if (await this.redecideDevices(manager, { accountId, deviceId }))
        await bumpAccountRevision(manager, accountId);
    });
    const exemption = await this.dataSource
      .getRepository(DeviceExemption)
      .findOneByOrFail({ accountId, deviceId });
    return exemptionView(exemption);
  }

  async clearExemption(accountId: string, deviceId: string): Promise<void> {
    await this.changes.commit(accountId, async (manager) => {
      await lockAccessConfiguration(manager, 'shared');
      await lockNamedAccount(manager, accountId);
      const result = await manager.delete(DeviceExemption, { accountId, deviceId });
      if (!result.affected) {
        throw new NotFoundException({
          error: 'exemption_not_found',
          message: `device ${deviceId} has no exemption`,
        });
      }
      if (await this.redecideDevices(manager, { accountId, deviceId }))
        await bumpAccountRevision(manager, accountId);
    });
  }

  /** Runs a change to the configuration, then re-decides every partnership and publishes the accounts that changed. */
  private async reconfigure(change: (manager: EntityManager) => Promise<void>): Promise<void> {
    await this.changes.commitMany(async (manager) => {
      await lockAccessConfiguration(manager, 'exclusive');
      await change(manager);
      const changed = await this.planChanges(manager, {});
      const accounts = [...new Set(changed.map((entry) => entry.device.accountId))].sort();
      // Account locks in one order, before any device row: no deadlock with single-account changes.
      for (const accountId of accounts) await lockAccount(manager, accountId);
      for (const entry of changed) await this.applyDecision(manager, entry.device, entry.decision);
      for (const accountId of accounts) await bumpAccountRevision(manager, accountId);
      return accounts;
    });
  }

  /** Re-decides the partnerships in scope; true if any changed. The caller holds the account lock. */
  private async redecideDevices(
    manager: EntityManager,
    scope: { accountId: string; deviceId?: string },
  ): Promise<boolean> {
    const changed = await this.planChanges(manager, scope);
    for (const entry of changed) await this.applyDecision(manager, entry.device, entry.decision);
    return changed.length > 0;
  }

  private async planChanges(
    manager: EntityManager,
    scope: { accountId?: string; deviceId?: string },
  ): Promise<{ device: Device; decision: AccessDecision }[]> {
    const rules = await manager.find(AccessRule);
    const settings = await manager.findOneByOrFail(OrgSettings, { id: 1 });
    const devices = await manager.find(Device, {
      where: {
        ...(scope.accountId ? { accountId: scope.accountId } : {}),
        ...(scope.deviceId ? { deviceId: scope.deviceId } : {}),
      },
    });
    const exemptions = await manager.find(DeviceExemption, {
      where: {
        ...(scope.accountId ? { accountId: scope.accountId } : {}),
        ...(scope.deviceId ? { deviceId: scope.deviceId } : {}),
      },
    });
    const exemptionOf = new Map(
      exemptions.map((exemption) => [`${exemption.accountId}/${exemption.deviceId}`, exemption]),
    );
    const changed: { device: Device; decision: AccessDecision }[] = [];
    for (const device of devices) {
      const decision = decideAccess(
        device,
        exemptionOf.get(`${device.accountId}/${device.deviceId}`) ?? null,
        rules,
        settings.defaultAccess,
      );
      if (decision.level !== device.access || decision.rule !== device.accessReason)
        changed.push({ device, decision });
    }
    return changed;
  }

  private async applyDecision(
    manager: EntityManager,
    device: Device,
    decision: AccessDecision,
  ): Promise<void> {
    await manager.update(
      Device,
      { accountId: device.accountId, deviceId: device.deviceId },
      {
        access: decision.level,
        accessReason: decision.rule,
        accessSource: decision.source,
        accessRuleId: decision.ruleId,
        accessDecidedAt: () => 'clock_timestamp()',
        updatedAt: () => 'clock_timestamp()',
      },
    );
    if (decision.level !== device.access) {
      await recordDeviceEvent(manager, {
        accountId: device.accountId,
        deviceId: device.deviceId,
        type: 'accessChanged',
        actor: decision.source === 'exemption' ? 'administrator' : 'access rules',
        access: { level: decision.level, previous: device.access, rule: decision.rule.slice(0, 300) },
      });
    }
  }
}

function ruleView(rule: AccessRule): AccessRuleView {
  return {
    ruleId: rule.id,
    ...apiView(rule, ['matchField', 'pattern', 'access', 'description', 'createdAt']),
  };
}

function exemptionView(exemption: DeviceExemption): ExemptionView {
  return apiView(exemption, ['accountId', 'deviceId', 'access', 'note', 'createdAt']);
}

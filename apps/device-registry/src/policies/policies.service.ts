import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { bumpAccountRevision, lockAccount, lockNamedAccount } from '../accounts/account-revision.js';
import { Account } from '../accounts/entities/account.entity.js';
import { recordDeviceEvent } from '../device-events/record-device-event.js';
import { AccountChanges } from '../publishing/account-changes.service.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import { OrgSettings } from '../settings/entities/org-settings.entity.js';
import type { CreatePolicyDto, PolicyView, UpdatePolicyDto } from './dto/policy.dto.js';
import { effectivePolicyOf } from './effective-policy.js';
import { Policy } from './entities/policy.entity.js';

/**
 * Device policies, the organisation's default and per-account assignments. Any change that moves
 * an account's effective policy publishes that account, so its connected devices receive the new
 * policy at once and must acknowledge it before they get mail again.
 */
@Injectable()
export class PoliciesService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  async list(): Promise<PolicyView[]> {
    const policies = await this.dataSource.getRepository(Policy).find({ order: { name: 'ASC' } });
    return Promise.all(policies.map((policy) => this.view(this.dataSource.manager, policy)));
  }

  async get(policyId: string): Promise<PolicyView> {
    const policy = await this.dataSource.getRepository(Policy).findOneBy({ id: policyId });
    if (!policy) throw policyNotFound(policyId);
    return this.view(this.dataSource.manager, policy);
  }

  async create(input: CreatePolicyDto): Promise<PolicyView> {
    const id = randomUUID();
    try {
      await this.dataSource
        .getRepository(Policy)
        .insert({ id, name: input.name, version: 1, settings: input.settings });
    } catch (error) {
      throw nameTakenOr(error, input.name);
    }
    return this.get(id);
  }

  async update(policyId: string, input: UpdatePolicyDto): Promise<PolicyView> {
    await this.changes.commitMany(async (manager) => {
      const policy = await manager
        .createQueryBuilder(Policy, 'policy')
        .setLock('pessimistic_write')
        .where('policy.id = :policyId', { policyId })
        .getOne();
      if (!policy) throw policyNotFound(policyId);
      const settings = { ...policy.settings, ...definedOnly(input.settings ?? {}) };
      try {
        await manager.update(
          Policy,
          { id: policyId },
          {
            name: input.name ?? policy.name,
            settings,
            version: policy.version + 1,
            updatedAt: () => 'clock_timestamp()',
          },
        );
      } catch (error) {
        throw nameTakenOr(error, input.name ?? policy.name);
      }
      const affected = await accountsFollowing(manager, policyId);
      await this.markPolicyChanged(manager, affected);
      return affected;
    });
    return this.get(policyId);
  }

  async remove(policyId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(Policy, { id: policyId }))) throw policyNotFound(policyId);
      const settings = await manager.findOneByOrFail(OrgSettings, { id: 1 });
      const assigned = await manager.countBy(Account, { policyId });
      if (settings.defaultPolicyId === policyId || assigned > 0) {
        throw new ConflictException({
          error: 'policy_in_use',
          message:
            settings.defaultPolicyId === policyId
              ? 'this is the default policy; choose another default (PUT /admin/settings) first'
              : `${assigned} accounts have this policy; assign them another first`,
        });
      }
      await manager.delete(Policy, { id: policyId });
    });
  }

  /** Gives an account its own policy, or (null) lets it follow the default again. */
  async assign(accountId: string, policyId: string | null): Promise<void> {
    await this.changes.commit(accountId, async (manager) => {
      await lockNamedAccount(manager, accountId);
      if (policyId !== null && !(await manager.existsBy(Policy, { id: policyId })))
        throw policyNotFound(policyId);
      const before = await effectivePolicyOf(manager, accountId);
      await manager.update(Account, { id: accountId }, { policyId });
      const after = await effectivePolicyOf(manager, accountId);
      if (before?.id !== after?.id || before?.version !== after?.version) {
        await this.markPolicyChanged(manager, [accountId]);
      }
    });
  }

  async defaultPolicyId(): Promise<string | null> {
    return (await this.dataSource.getRepository(OrgSettings).findOneByOrFail({ id: 1 })).defaultPolicyId;
  }

  async setDefault(policyId: string | null): Promise<void> {
    await this.changes.commitMany(async (manager) => {
      if (policyId !== null && !(await manager.existsBy(Policy, { id: policyId })))
        throw policyNotFound(policyId);
      const settings = await manager
        .createQueryBuilder(OrgSettings, 'settings')
        .setLock('pessimistic_write')
        .where('settings.id = 1')
        .getOneOrFail();
      if (settings.defaultPolicyId === policyId) return [];
      await manager.update(
        OrgSettings,
        { id: 1 },
        { defaultPolicyId: policyId, updatedAt: () => 'clock_timestamp()' },
      );
      const followers = await manager.find(Account, { where: { policyId: IsNull() }, select: { id: true } });
      const affected = followers.map((account) => account.id).sort();
      await this.markPolicyChanged(manager, affected);
      return affected;
    });
  }

  /** Locks, records the event and bumps each account, in id order. */
  private async markPolicyChanged(manager: EntityManager, accountIds: readonly string[]): Promise<void> {
    for (const accountId of [...accountIds].sort()) {
      await lockAccount(manager, accountId);
      const policy = await effectivePolicyOf(manager, accountId);
      await recordDeviceEvent(manager, {
        accountId,
        deviceId: null,
        type: 'policyChanged',
        actor: 'administrator',
        policy: policy ? { policyId: policy.id, version: policy.version } : null,
      });
      await bumpAccountRevision(manager, accountId);
    }
  }

  private async view(manager: EntityManager, policy: Policy): Promise<PolicyView> {
    const settings = await manager.findOneByOrFail(OrgSettings, { id: 1 });
    return {
      policyId: policy.id,
      name: policy.name,
      version: policy.version,
      settings: policy.settings,
      isDefault: settings.defaultPolicyId === policy.id,
      assignedAccounts: await manager.countBy(Account, { policyId: policy.id }),
      createdAt: policy.createdAt.toISOString(),
      updatedAt: policy.updatedAt.toISOString(),
    };
  }
}

async function accountsFollowing(manager: EntityManager, policyId: string): Promise<string[]> {
  const rows: { id: string }[] = await manager.query(
    `SELECT a.id FROM registry.accounts a CROSS JOIN registry.org_settings s
      WHERE s.id = 1 AND (a.policy_id = $1 OR (a.policy_id IS NULL AND s.default_policy_id = $1))
      ORDER BY a.id`,
    [policyId],
  );
  return rows.map((row) => row.id);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function policyNotFound(policyId: string): NotFoundException {
  return new NotFoundException({ error: 'policy_not_found', message: `no policy ${policyId}` });
}

function nameTakenOr(error: unknown, name: string): unknown {
  if (isUniqueViolation(error)) {
    return new ConflictException({
      error: 'policy_name_taken',
      message: `a policy named "${name}" already exists`,
    });
  }
  return error;
}

import type { EntityManager } from 'typeorm';
import { Account } from '../accounts/entities/account.entity.js';
import { OrgSettings } from '../settings/entities/org-settings.entity.js';
import { Policy } from './entities/policy.entity.js';

/** The account's own policy, else the organisation's default; undefined when neither is set. */
export async function effectivePolicyOf(
  manager: EntityManager,
  accountId: string,
): Promise<Policy | undefined> {
  const account = await manager.findOne(Account, {
    where: { id: accountId },
    select: { id: true, policyId: true },
  });
  if (!account) return undefined;
  let policyId = account.policyId;
  if (policyId === null) {
    const settings = await manager.findOne(OrgSettings, {
      where: { id: 1 },
      select: { id: true, defaultPolicyId: true },
    });
    policyId = settings?.defaultPolicyId ?? null;
  }
  if (policyId === null) return undefined;
  return (await manager.findOneBy(Policy, { id: policyId })) ?? undefined;
}

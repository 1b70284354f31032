import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { PolicyAcknowledged, PolicyAcknowledgement } from '@pushmail/contracts';
import { bumpAccountRevision, lockNamedAccount, revisionOf } from '../../accounts/account-revision.js';
import { recordDeviceEvent } from '../../device-events/record-device-event.js';
import { effectivePolicyOf } from '../../policies/effective-policy.js';
import { AccountChanges } from '../../publishing/account-changes.service.js';
import { Device } from '../../devices/entities/device.entity.js';

/** A device accepts the policy now in force for its account; only the current version counts. */
@Injectable()
export class AcknowledgePolicy {
  constructor(@Inject(AccountChanges) private readonly changes: AccountChanges) {}

  async execute(input: PolicyAcknowledgement): Promise<PolicyAcknowledged> {
    const { accountId, deviceId } = input;
    const outcome = await this.changes.commit(
      accountId,
      async (manager) => {
        await lockNamedAccount(manager, accountId);
        const device = await manager.findOneBy(Device, { accountId, deviceId });
        if (!device)
          throw new NotFoundException({ error: 'device_not_found', message: `no device ${deviceId}` });
        const policy = await effectivePolicyOf(manager, accountId);
        if (!policy) {
          throw new ConflictException({
            error: 'no_policy',
            message: 'this account has no policy to acknowledge',
          });
        }
        if (
          policy.version !== input.version ||
          (input.policyId !== undefined && input.policyId !== policy.id)
        ) {
          throw new ConflictException({
            error: 'policy_changed',
            current: { policyId: policy.id, version: policy.version },
            message: `the policy in force is version ${policy.version} of ${policy.id}; fetch it and acknowledge that`,
          });
        }
        const already =
          device.acknowledgedPolicyId === policy.id && device.acknowledgedPolicyVersion === policy.version;
        if (!already) {
          await manager.update(
            Device,
            { accountId, deviceId },
            {
              acknowledgedPolicyId: policy.id,
              acknowledgedPolicyVersion: policy.version,
              policyAcknowledgedAt: () => 'clock_timestamp()',
              updatedAt: () => 'clock_timestamp()',
            },
          );
          await recordDeviceEvent(manager, {
            accountId,
            deviceId,
            type: 'policyAcknowledged',
            actor: 'device',
            policy: { policyId: policy.id, version: policy.version },
          });
          await bumpAccountRevision(manager, accountId);
        }
        return {
          policyId: policy.id,
          version: policy.version,
          revision: await revisionOf(manager, accountId),
          already,
        };
      },
      (result) => !result.already,
    );
    return { policyId: outcome.policyId, version: outcome.version, revision: outcome.revision };
  }
}

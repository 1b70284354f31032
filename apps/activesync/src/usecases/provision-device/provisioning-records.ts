import { Inject, Injectable } from '@nestjs/common';
import { RegistryClient, RegistryUnavailableError, type RegistryAnswer } from '@pushmail/edge';
import { DeviceViews } from '../../registry/device-views.js';

/** How long a Provision answer waits for this replica's views to show what it recorded. */
const VIEW_WAIT_MS = 5000;

/** What became of a write to device-registry: `unavailable` means nothing was recorded (retry). */
export type RecordOutcome =
  { recorded: true } | { recorded: false; unavailable: true } | { recorded: false; refusal: string };

/**
 * What Provision records of a device in device-registry (like a JMAP device's acknowledgement):
 * each write is followed by a wait until this replica's DeviceViews show it, so the device's next
 * command is gated by what it just did.
 */
@Injectable()
export class ProvisioningRecords {
  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(DeviceViews) private readonly views: DeviceViews,
  ) {}

  /** The device applied the account's policy (this version of it). */
  acknowledgePolicy(acknowledgement: {
    accountId: string;
    deviceId: string;
    policyId: string;
    version: number;
  }): Promise<RecordOutcome> {
    return this.record(acknowledgement.accountId, () => this.registry.acknowledgePolicy(acknowledgement));
  }

  /**
   * The device confirmed the wipe. A refusal means the registry already holds it confirmed (or the
   * wipe is gone): nothing is left to record, so it counts as recorded.
   */
  async confirmWipe(confirmation: {
    accountId: string;
    deviceId: string;
    wipeId: string;
  }): Promise<RecordOutcome> {
    const outcome = await this.record(confirmation.accountId, () => this.registry.confirmWipe(confirmation));
    return 'refusal' in outcome ? { recorded: true } : outcome;
  }

  private async record(
    accountId: string,
    write: () => Promise<RegistryAnswer<{ revision: number }>>,
  ): Promise<RecordOutcome> {
    let answer: RegistryAnswer<{ revision: number }>;
    try {
      answer = await write();
    } catch (error) {
      if (error instanceof RegistryUnavailableError) return { recorded: false, unavailable: true };
      throw error;
    }
    if (!answer.ok) return { recorded: false, refusal: answer.refusal.message };
    await this.views.waitForRevision(accountId, answer.value.revision, VIEW_WAIT_MS);
    return { recorded: true };
  }
}

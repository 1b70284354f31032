import type { DeviceViews } from '../registry/device-views.js';
import type { DeviceStore } from '../state/device-store.js';
import { gateOf } from './device-gate.js';
import type { EasCommandContext, EasReply } from './eas-command.js';
import { refusalReply } from './refusal.js';

/**
 * After a held request (a parked Ping, a held Sync) was ended by a change of the device's standing:
 * the refusal the device must now get (blocked, wiped, policy changed), or undefined when it is still
 * allowed and only what it may see moved (a quarantine lifted).
 */
export async function refusalAfterStandingChange(
  views: DeviceViews,
  devices: DeviceStore,
  context: EasCommandContext,
  command: string,
): Promise<EasReply | undefined> {
  const { accountId, deviceId } = context.device;
  const standing = views.standingOf(accountId, deviceId);
  const record = (await devices.find(accountId, deviceId)) ?? context.record;
  const verdict = gateOf(command, standing, record, context.request.policyKey, context.protocolVersion);
  return verdict.ok
    ? undefined
    : refusalReply(command, context.protocolVersion, verdict.status, verdict.reason);
}

import type { DevicePolicyV1 } from '@pushmail/contracts';
import type { DeviceStanding } from '../registry/device-views.js';

/** A device the registry knows and lets sync, of an active account, neither wiped nor asked to wipe. */
export const allowedStanding = (policy: DevicePolicyV1 | null = null): DeviceStanding => ({
  known: true,
  accountActive: true,
  access: 'allowed',
  accessRule: null,
  wiped: false,
  pendingWipe: null,
  policy,
  acknowledged: null,
  acknowledgementRequired: policy !== null,
});

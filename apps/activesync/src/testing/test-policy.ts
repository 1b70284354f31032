import { randomUUID } from 'node:crypto';
import type { DevicePolicyV1 } from '@pushmail/contracts';

/** A policy asking for a PIN, as an administrator would set one for phones. */
export const testPolicy = (version = 1): DevicePolicyV1 => ({
  policyId: randomUUID(),
  name: 'phones',
  version,
  settings: {
    pinRequired: true,
    minPinLength: 6,
    lockAfterIdleSeconds: 300,
    wipeAfterFailedUnlocks: 10,
    syncWindowDays: null,
    maxAttachmentBytes: null,
  },
});

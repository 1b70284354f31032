import type { WbxmlElement } from '@pushmail/activesync';
import type { EasCommandContext } from '../protocol/eas-command.js';
import type { DeviceStanding } from '../registry/device-views.js';
import { allowedStanding } from './device-standing.js';

/** The account of the device a command spec speaks for. */
export const TEST_ACCOUNT_ID = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';

/** What a command is handed for a request of alice's phone1 with `body`, in the given standing. */
export function commandContext(
  body: WbxmlElement,
  standing: DeviceStanding = allowedStanding(),
): EasCommandContext {
  return {
    device: { accountId: TEST_ACCOUNT_ID, deviceId: 'phone1', address: 'alice@example.com' },
    standing,
    body,
  } as unknown as EasCommandContext;
}

import { el } from '@pushmail/activesync';
import type { DeviceStanding } from '../registry/device-views.js';
import { httpStatusOf } from './device-gate.js';
import type { SentReply } from './eas-command.js';
import { COMMAND_ROOTS, statusInBody } from './eas-status.js';

/** A refusal as the command's Status (14.1 and later) or the HTTP status 14.0 knows it by. */
export function refusalReply(
  command: string,
  protocolVersion: string,
  status: number,
  detail: string,
): SentReply {
  if (!COMMAND_ROOTS[command] || !statusInBody(protocolVersion))
    return { http: httpStatusOf(status), detail };
  return statusReply(command, status);
}

/** The command's answer that is its Status alone: `<Command><Status>status</Status></Command>`. */
export function statusReply(command: string, status: number): SentReply {
  const root = COMMAND_ROOTS[command]!;
  return { body: el(root.page, root.tag, el(root.page, 'Status', String(status))) };
}

/** What of a device's standing ends a parked Ping when it moves. */
export function standingKey(standing: DeviceStanding): string {
  return [
    standing.known,
    standing.accountActive,
    standing.access,
    standing.wiped,
    standing.pendingWipe?.wipeId ?? '',
    standing.policy ? `${standing.policy.policyId}:${standing.policy.version}` : '',
  ].join('|');
}

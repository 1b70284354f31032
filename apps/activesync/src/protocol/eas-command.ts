import type { ActiveSyncRequest, WbxmlElement } from '@pushmail/activesync';
import type { Logger } from 'pino';
import type { AuthenticatedDevice, DeviceDescription } from '../auth/eas-authenticator.js';
import type { DeviceStanding } from '../registry/device-views.js';
import type { EasDevice } from '../state/entities/eas-device.entity.js';

/** Everything a command needs to know about the request it answers. */
export interface EasCommandContext {
  request: ActiveSyncRequest;
  protocolVersion: string;
  device: AuthenticatedDevice;
  description: DeviceDescription;
  record: EasDevice;
  standing: DeviceStanding;
  /** The decoded request body; undefined for an empty one (an empty Ping reuses the last). */
  body: WbxmlElement | undefined;
  /** Aborted when the device goes away before it is answered (a parked Ping). */
  signal: AbortSignal;
  /** The gateway's logger with the command and the device bound: what a command logs of its own. */
  log: Logger;
}

/**
 * A command's answer: a WBXML document, an empty success (SendMail), raw bytes streamed through
 * (GetAttachment), or an HTTP status without one.
 */
export type EasReply =
  | { body: WbxmlElement }
  | { empty: true }
  | { stream: ReadableStream<Uint8Array>; contentType: string; length?: number }
  | { http: number; detail: string; headers?: Record<string, string> };

/** One ActiveSync command (`Cmd=`), a use case of its own. */
export interface EasCommand {
  readonly command: string;
  execute(context: EasCommandContext): Promise<EasReply>;
}

export const EAS_COMMANDS = Symbol('EAS_COMMANDS');

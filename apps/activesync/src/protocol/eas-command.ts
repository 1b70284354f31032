import type { ActiveSyncRequest, WbxmlElement } from '@pushmail/activesync';
import type { Logger } from 'pino';
import type { AuthenticatedDevice, DeviceDescription } from '../auth/eas-authenticator.js';
import type { DeviceStanding } from '../registry/device-views.js';
import type { EasDevice } from '../state/entities/eas-device.entity.js';
import type { DeviceHierarchy } from '../state/sync-store.js';

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
  /**
   * For a command that `readsHierarchy`: the hierarchy the device holds with its collections, read
   * with the device's record (null: it holds none).
   */
  hierarchy?: DeviceHierarchy | null;
}

/**
 * A command's answer: a WBXML document, an empty success (SendMail), raw bytes streamed through
 * (GetAttachment), or an HTTP status without one.
 */
export type EasReply =
  /** `encoded`: the body's WBXML, when the command has it already (it is sent as it is). */
  | { body: WbxmlElement; encoded?: Uint8Array }
  | { empty: true }
  | { stream: ReadableStream<Uint8Array>; contentType: string; length?: number }
  | { http: number; detail: string; headers?: Record<string, string> };

/** One ActiveSync command (`Cmd=`), a use case of its own. */
export interface EasCommand {
  readonly command: string;
  /**
   * The command reads the device's hierarchy and collections before anything else (Ping): they
   * come in the statement that records the device's contact (`context.hierarchy`).
   */
  readonly readsHierarchy?: boolean;
  execute(context: EasCommandContext): Promise<EasReply>;
}

export const EAS_COMMANDS = Symbol('EAS_COMMANDS');

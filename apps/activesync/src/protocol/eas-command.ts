import type { ActiveSyncRequest, WbxmlElement } from '@pushmail/activesync';
import type { Logger } from 'pino';
import type { AuthenticatedDevice, DeviceDescription } from '../auth/eas-authenticator.js';
import type { DeviceStanding } from '../registry/device-views.js';
import type { EasDevice } from '../state/entities/eas-device.entity.js';
import type { PingConnection } from '../ping/ping-registry.js';
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
  /**
   * The request's response, for a command that waits (a parked Ping, a held Sync): its close
   * before an answer means the device went away, and a command that answers `{ later: true }`
   * answers through it once it is done waiting.
   */
  answer: LaterAnswer;
  /** The gateway's logger with the command and the device bound: what a command logs of its own. */
  log: Logger;
  /**
   * For a command that `readsHierarchy`: the hierarchy the device holds with its collections, read
   * with the device's record (null: it holds none).
   */
  hierarchy?: DeviceHierarchy | null;
}

/**
 * The answer of a command that returned `{ later: true }` (a parked Ping): sent, with its metrics,
 * when the command is done waiting, or the failure that ended it instead. One object per request,
 * so that a parked Ping holds no frame, promise or closure of the command's path.
 */
export interface LaterAnswer {
  /** The response: its close before an answer means the device went away. */
  readonly connection: PingConnection;
  send(reply: SentReply): void;
  fail(error: unknown): void;
}

/**
 * A command's answer: a WBXML document, an empty success (SendMail), raw bytes streamed through
 * (GetAttachment), an HTTP status without one, or `later` (the command keeps the request and
 * answers it through `context.answer`).
 */
export type EasReply = SentReply | { later: true };

/** An answer sent to the device. */
export type SentReply =
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

// Ping ([MS-ASCMD] 2.2.1.13): Direct Push. The client parks a request; the server answers when a
// watched folder changes or the heartbeat interval runs out.
import { children, el, type WbxmlElement } from '../wbxml/wbxml.js';
import { RequestReader } from './common.js';

/** Ping Status values ([MS-ASCMD] 2.2.3.177.11). */
export const PING_STATUS = {
  Expired: 1,
  ChangesFound: 2,
  MissingParameters: 3,
  ProtocolError: 4,
  InvalidHeartbeatInterval: 5,
  TooManyFolders: 6,
  FolderSyncRequired: 7,
  ServerError: 8,
} as const;

export interface PingLimits {
  minHeartbeatSeconds: number;
  maxHeartbeatSeconds: number;
  maxFolders: number;
}

export const DEFAULT_PING_LIMITS: PingLimits = {
  minHeartbeatSeconds: 60,
  maxHeartbeatSeconds: 3540,
  maxFolders: 300,
};

export interface PingRequest {
  /** Absent: reuse the interval of the previous Ping. */
  heartbeatInterval?: number;
  /** Absent: reuse the folders of the previous Ping. */
  folders?: Array<{ id: string; className: string }>;
}

export interface PingResponse {
  status: number;
  /** With Status 2: the folders that changed. */
  folders?: string[];
  /** With Status 6. */
  maxFolders?: number;
  /** With Status 5: the nearest interval allowed. */
  heartbeatInterval?: number;
}

const r = new RequestReader('Ping', PING_STATUS.ProtocolError);
const CLASSES = new Set(['Email', 'Calendar', 'Contacts', 'Tasks', 'Notes', 'SMS']);

/**
 * Reads a Ping request. Throws ActiveSyncCommandError with Status 4 for a malformed one, 5 (with
 * the allowed limit) for an interval out of range, 6 (with the maximum) for too many folders.
 */
export function readPingRequest(root: WbxmlElement, limits: PingLimits = DEFAULT_PING_LIMITS): PingRequest {
  r.root(root, 'Ping', 'Ping');
  const request: PingRequest = {};
  const interval = r.integer(root, 'HeartbeatInterval', 'Ping', 0, 0xffffffff);
  if (interval !== undefined) {
    if (interval < limits.minHeartbeatSeconds) {
      r.fail(
        'HeartbeatInterval is too short',
        PING_STATUS.InvalidHeartbeatInterval,
        limits.minHeartbeatSeconds,
      );
    }
    if (interval > limits.maxHeartbeatSeconds) {
      r.fail(
        'HeartbeatInterval is too long',
        PING_STATUS.InvalidHeartbeatInterval,
        limits.maxHeartbeatSeconds,
      );
    }
    request.heartbeatInterval = interval;
  }
  const folders = r.one(root, 'Folders', 'Ping');
  if (folders) {
    const list = children(folders, 'Folder', 'Ping');
    if (list.length === 0) r.fail('Folders is empty');
    if (list.length > limits.maxFolders)
      r.fail('too many folders', PING_STATUS.TooManyFolders, limits.maxFolders);
    request.folders = list.map((f) => {
      const className = r.requiredText(f, 'Class', 'Ping', 16);
      if (!CLASSES.has(className)) r.fail(`unknown folder class ${className}`);
      return { id: r.requiredText(f, 'Id', 'Ping', 64), className };
    });
  }
  return request;
}

export function buildPingResponse(response: PingResponse): WbxmlElement {
  return el(
    'Ping',
    'Ping',
    el('Ping', 'Status', String(response.status)),
    response.folders !== undefined &&
      response.folders.length > 0 &&
      el(
        'Ping',
        'Folders',
        response.folders.map((id) => el('Ping', 'Folder', id)),
      ),
    response.maxFolders !== undefined && el('Ping', 'MaxFolders', String(response.maxFolders)),
    response.heartbeatInterval !== undefined &&
      el('Ping', 'HeartbeatInterval', String(response.heartbeatInterval)),
  );
}

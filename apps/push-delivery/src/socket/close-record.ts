import type { DeviceTrailRecordV1 } from '@pushmail/contracts';

export type CloseTrail = NonNullable<DeviceTrailRecordV1['close']>;

/** What the socket knew when it ended. */
export interface ClosedSocket {
  /** The code `ws` reports: the peer's close frame's, 1005 for a frame without one, 1006 for none. */
  code: number;
  reason: string;
  /** push-delivery decided to close (revocation, restart, too slow, over the cap). */
  closedByServer: boolean;
  /** The heartbeat cut it: nothing came back since the previous ping. */
  cutForMissedPong: boolean;
  /** `ws` failed the connection for a frame the client sent (too big, bad UTF-8, bad framing). */
  protocolError: { code: number; reason: string } | undefined;
  openedAt: number;
  lastActivityAt: number;
  now: number;
  pingIntervalMs: number;
}

/** No close frame came: `ws` reports this code (RFC 6455 §7.1.5). */
const ABNORMAL_CLOSURE = 1006;

/**
 * The trail's account of a closed socket. Who started the close comes first and from what the
 * socket saw, not from the code alone: a 1006 after the server failed the connection for a
 * too-big frame is the server's close, and a 1006 with no frame either way is a silent cut, which
 * only the network or a client that drops connections without closing them makes.
 */
export function closeRecord(socket: ClosedSocket): { close: CloseTrail; detail: string } {
  let initiator: NonNullable<CloseTrail['initiator']>;
  let by: CloseTrail['by'];
  let code = socket.code;
  let reason = socket.reason;
  if (socket.protocolError) {
    initiator = 'server';
    by = 'server';
    code = socket.protocolError.code;
    reason = socket.protocolError.reason;
  } else if (socket.cutForMissedPong) {
    // The server ends it, but only because the connection had already gone quiet under the socket.
    initiator = 'silentCut';
    by = 'server';
    reason = 'no pong since the previous ping';
  } else if (socket.closedByServer) {
    initiator = 'server';
    by = 'server';
  } else if (socket.code === ABNORMAL_CLOSURE) {
    initiator = 'silentCut';
    by = 'network';
  } else {
    initiator = 'clientCloseFrame';
    by = 'client';
  }
  const close: CloseTrail = {
    code,
    reason: reason.slice(0, 200),
    by,
    initiator,
    idleMs: Math.max(0, Math.round(socket.now - socket.lastActivityAt)),
    lifetimeMs: Math.max(0, Math.round(socket.now - socket.openedAt)),
    pingIntervalMs: socket.pingIntervalMs,
  };
  const who =
    initiator === 'clientCloseFrame'
      ? 'closed by the client (close frame)'
      : initiator === 'server'
        ? 'closed by the server'
        : socket.cutForMissedPong
          ? 'cut silently (no pong; the server let it go)'
          : 'cut silently (no close frame either way)';
  return { close, detail: `${who}: ${code}${close.reason ? ` ${close.reason}` : ''}` };
}

/** The close code `ws` sent when it failed a connection for the client's frame. */
export function protocolErrorCode(errorCode: string | undefined): number {
  switch (errorCode) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return 1009;
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    default:
      return 1002;
  }
}

import { describe, expect, it } from 'vitest';
import { closeRecord, protocolErrorCode, type ClosedSocket } from './close-record.js';

const base: ClosedSocket = {
  code: 1006,
  reason: '',
  closedByServer: false,
  cutForMissedPong: false,
  protocolError: undefined,
  openedAt: 1_000,
  lastActivityAt: 1_000,
  now: 1_040,
  pingIntervalMs: 30_000,
};

describe(closeRecord.name, () => {
  it('names the client when its close frame came first', () => {
    expect(closeRecord({ ...base, code: 1000, reason: 'bye' })).toEqual({
      close: {
        code: 1000,
        reason: 'bye',
        by: 'client',
        initiator: 'clientCloseFrame',
        idleMs: 40,
        lifetimeMs: 40,
        pingIntervalMs: 30_000,
      },
      detail: 'closed by the client (close frame): 1000 bye',
    });
    expect(closeRecord({ ...base, code: 1005 }).close.initiator).toBe('clientCloseFrame');
  });

  it('calls a connection that ended with no close frame either way a silent cut, with how long it had been idle', () => {
    const { close, detail } = closeRecord({ ...base, lastActivityAt: 1_010, now: 9_010 });
    expect(close).toMatchObject({
      code: 1006,
      by: 'network',
      initiator: 'silentCut',
      idleMs: 8_000,
      lifetimeMs: 8_010,
    });
    expect(detail).toBe('cut silently (no close frame either way): 1006');
  });

  it("names the server when it failed the connection for the client's too-big frame, with the code it sent, not 1006", () => {
    const { close } = closeRecord({
      ...base,
      protocolError: {
        code: protocolErrorCode('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'),
        reason: 'protocol error: Max payload size exceeded',
      },
    });
    expect(close).toMatchObject({
      code: 1009,
      by: 'server',
      initiator: 'server',
      reason: 'protocol error: Max payload size exceeded',
    });
  });

  it('names the server for its own closes, whatever code the client echoed', () => {
    expect(
      closeRecord({ ...base, code: 4003, reason: 'device blocked', closedByServer: true }).close,
    ).toMatchObject({
      by: 'server',
      initiator: 'server',
      code: 4003,
    });
  });

  it('calls a socket cut for a missed pong a silent cut that the server ended', () => {
    const { close, detail } = closeRecord({
      ...base,
      closedByServer: true,
      cutForMissedPong: true,
      now: 61_000,
    });
    expect(close).toMatchObject({
      by: 'server',
      initiator: 'silentCut',
      reason: 'no pong since the previous ping',
    });
    expect(detail).toMatch(/^cut silently \(no pong/);
  });
});

describe(protocolErrorCode.name, () => {
  it('gives the close code ws sends for each kind of bad frame', () => {
    expect(protocolErrorCode('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')).toBe(1009);
    expect(protocolErrorCode('WS_ERR_INVALID_UTF8')).toBe(1007);
    expect(protocolErrorCode('WS_ERR_INVALID_OPCODE')).toBe(1002);
  });
});

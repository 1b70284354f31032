/**
 * How many push connections (WebSockets, and separately EventSource streams) one device may hold on
 * a replica. When a device opens one more, its oldest is closed rather than the new one refused: a
 * phone whose connection a network dropped silently reconnects while the server still holds the dead
 * socket (until the next ping notices), and refusing the new connection would lock the real device
 * out for a ping interval. The oldest is the one most likely dead; a client that opens connections
 * in a loop only ever replaces its own.
 */
export interface CappedConnection {
  readonly deviceId: string;
  /** Milliseconds since the epoch. */
  readonly openedAt: number;
}

/** The connections to close so that at most `max` of the device's remain, oldest first. */
export function connectionsOverCap<T extends CappedConnection>(
  open: Iterable<T>,
  deviceId: string,
  max: number,
): T[] {
  const own = [...open].filter((connection) => connection.deviceId === deviceId);
  if (own.length <= max) return [];
  // Stable: connections opened in the same millisecond keep their arrival order.
  return own
    .map((connection, index) => ({ connection, index }))
    .sort((a, b) => a.connection.openedAt - b.connection.openedAt || a.index - b.index)
    .slice(0, own.length - max)
    .map((entry) => entry.connection);
}

/** The close reason a replaced connection carries (and the EventSource `close` event's detail). */
export function replacedReason(max: number): string {
  return `replaced by a newer connection of this device: at most ${max} per device`;
}

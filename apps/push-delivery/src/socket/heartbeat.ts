import type { ConnectionRegistry } from './connection-registry.js';

/**
 * One heartbeat round: a socket that showed no sign of life since the previous round (no pong, no
 * message) is cut; every other one is pinged and must answer before the next round. Mobile
 * networks drop idle connections silently, and only this notices.
 */
export function heartbeat(registry: ConnectionRegistry): { pinged: number; terminated: number } {
  let pinged = 0;
  let terminated = 0;
  for (const connection of [...registry.all()]) {
    if (!connection.alive) {
      connection.cutForMissedPong = true;
      connection.socket.terminate();
      registry.remove(connection);
      terminated += 1;
      continue;
    }
    connection.alive = false;
    if (!connection.isOpen) continue;
    try {
      connection.socket.ping();
      connection.touch();
      pinged += 1;
    } catch {
      // The socket closed between the check and the ping; its close event removes it.
    }
  }
  return { pinged, terminated };
}

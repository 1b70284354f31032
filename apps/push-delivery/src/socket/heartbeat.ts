import type { ConnectionRegistry } from './connection-registry.js';
import type { DeviceConnection } from './device-connection.js';

/**
 * One heartbeat visit of some sockets: a socket that showed no sign of life since its previous
 * visit (no pong, no message) is cut; every other one is pinged and must answer before its next
 * visit. Mobile networks drop idle connections silently, and only this notices.
 */
export function heartbeat(
  registry: ConnectionRegistry,
  connections: Iterable<DeviceConnection>,
): { pinged: number; terminated: number } {
  let pinged = 0;
  let terminated = 0;
  for (const connection of connections) {
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

/** A turn every quarter second at most, and at most 120 turns per interval. */
const TURN_MS = 250;
const MAX_TURNS = 120;

/** How many turns an interval is split into: its length in quarter seconds, within 1…120. */
export function heartbeatTurns(intervalMs: number): number {
  return Math.max(1, Math.min(MAX_TURNS, Math.round(intervalMs / TURN_MS)));
}

/**
 * Which sockets a heartbeat turn visits. Every socket is visited once per pass, and a pass starts at
 * most once per interval; each turn (`turns` per interval) takes the next slice of the pass, in the
 * registry's order, from where the previous turn stopped. One loop over every socket at once held
 * push-delivery's event loop for 0.6 s at 10,000 sockets every interval, and every push that waited
 * behind it (docs/performance.md, "A heartbeat in turns"). A socket connected during a pass is
 * visited in it if the pass has not gone by it yet, and otherwise in the next.
 */
export class HeartbeatTurns {
  private cursor: Iterator<DeviceConnection> | undefined;
  private passStartedAt = Number.NEGATIVE_INFINITY;
  private slice = 1;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly intervalMs: number,
    readonly turns: number = heartbeatTurns(intervalMs),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How often `next` is called: `turns` times per interval. */
  get turnMs(): number {
    return this.intervalMs / this.turns;
  }

  /** The sockets whose turn it is (none while a pass is done and the next not due). */
  next(): DeviceConnection[] {
    const turn: DeviceConnection[] = [];
    while (turn.length < this.slice) {
      if (this.cursor === undefined) {
        // A pass starts at the start of a turn, so no turn visits a socket twice.
        if (turn.length > 0 || this.now() - this.passStartedAt < this.intervalMs) break;
        this.passStartedAt = this.now();
        this.cursor = this.registry.all();
        this.slice = Math.max(1, Math.ceil(this.registry.size / this.turns));
      }
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        continue;
      }
      turn.push(next.value);
    }
    return turn;
  }
}

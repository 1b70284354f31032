/** Something with a heartbeat: its deadline (epoch ms) and its place in the queue (-1: none). */
export interface Heartbeat {
  heartbeatAt: number;
  heartbeatSlot: number;
}

/**
 * The heartbeats of every parked Ping on one timer, set for the earliest: a binary heap by
 * deadline, the place of each entry kept on the entry so that one ending early leaves at once
 * (nothing ended is held until its deadline). A timer per Ping cost a `Timeout` (and the async
 * context it captures) for each; this costs one slot of an array. Each heartbeat passes on time:
 * the timer fires at the earliest deadline, not on a tick.
 */
export class Heartbeats<T extends Heartbeat> {
  private readonly heap: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires; Infinity without one. */
  private timerAt = Infinity;

  constructor(private readonly passed: (entry: T) => void) {}

  get size(): number {
    return this.heap.length;
  }

  add(entry: T, heartbeatAt: number): void {
    entry.heartbeatAt = heartbeatAt;
    entry.heartbeatSlot = this.heap.length;
    this.heap.push(entry);
    this.up(entry.heartbeatSlot);
    if (heartbeatAt < this.timerAt) this.arm(heartbeatAt);
  }

  /** Takes an entry out (it ended before its heartbeat); one not in the queue is left alone. */
  delete(entry: T): void {
    const slot = entry.heartbeatSlot;
    if (slot < 0 || this.heap[slot] !== entry) return;
    entry.heartbeatSlot = -1;
    const last = this.heap.pop()!;
    if (last !== entry) {
      this.heap[slot] = last;
      last.heartbeatSlot = slot;
      this.down(slot);
      this.up(last.heartbeatSlot);
    }
    // The timer stays set for a deadline that may have left: it finds nothing due and sets itself
    // for the next, which costs less than setting it again on every early end.
    if (this.heap.length === 0) this.disarm();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    for (let first = this.heap[0]; first !== undefined && first.heartbeatAt <= now; first = this.heap[0]) {
      this.delete(first);
      this.passed(first);
    }
    const next = this.heap[0];
    if (next !== undefined && this.timer === undefined) this.arm(next.heartbeatAt);
  };

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - Date.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private up(slot: number): void {
    const heap = this.heap;
    const entry = heap[slot]!;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot]!;
      if (parent.heartbeatAt <= entry.heartbeatAt) break;
      heap[slot] = parent;
      parent.heartbeatSlot = slot;
      slot = parentSlot;
    }
    heap[slot] = entry;
    entry.heartbeatSlot = slot;
  }

  private down(slot: number): void {
    const heap = this.heap;
    const entry = heap[slot]!;
    const length = heap.length;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right]!.heartbeatAt < heap[left]!.heartbeatAt ? right : left;
      if (heap[child]!.heartbeatAt >= entry.heartbeatAt) break;
      const moved = heap[child]!;
      heap[slot] = moved;
      moved.heartbeatSlot = slot;
      slot = child;
    }
    heap[slot] = entry;
    entry.heartbeatSlot = slot;
  }
}

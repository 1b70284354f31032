import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's request queue schedules its next check `throttledUntil - Date.now()` ms ahead, and
 * `throttledUntil` is -1 until a broker throttles the client: every response then sets a timer with a
 * delay of minus the epoch, which Node turns into 1 ms with a `TimeoutNegativeWarning`. This replaces
 * that one method with the same logic and the delay held at 1 ms or more (what Node ran it with), so
 * the behaviour is unchanged and no negative delay is ever computed. The upstream fix
 * (tulios/kafkajs#1751) was never released. A kafkajs whose method reads otherwise is left alone.
 */

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const FAULTY_EXPRESSION = 'this.throttledUntil - Date.now()';

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const fixed = new WeakSet<object>();

/** The delay kafkajs meant: until the throttle ends, or a short interval while requests wait; never below 1 ms. */
export function pendingCheckDelayMs(throttledUntil: number, now: number, pending: number): number {
  const untilThrottleEnds = throttledUntil - now;
  if (pending > 0) return untilThrottleEnds > 0 ? untilThrottleEnds : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  return Math.max(1, untilThrottleEnds);
}

/** Applies the fix to the kafkajs this process loads; true when the method is (now) the fixed one. */
export function fixKafkajsRequestQueueTimers(): boolean {
  const require = createRequire(import.meta.url);
  let RequestQueue: { prototype: RequestQueueLike };
  try {
    RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike };
  } catch {
    return false;
  }
  const prototype = RequestQueue.prototype;
  if (fixed.has(prototype)) return true;
  if (!String(prototype.scheduleCheckPendingRequests).includes(FAULTY_EXPRESSION)) return false;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (this.throttleCheckTimeoutId) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      pendingCheckDelayMs(this.throttledUntil, Date.now(), this.pending.length),
    );
  };
  fixed.add(prototype);
  return true;
}

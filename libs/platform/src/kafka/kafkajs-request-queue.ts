import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's request queue schedules its next check `throttledUntil - Date.now()` ms ahead, and
 * `throttledUntil` is -1 until a broker throttles the client: every response then sets a timer with a
 * delay of minus the epoch, which Node turns into 1 ms with a `TimeoutNegativeWarning`. That check
 * schedules the next one, so every connection that has had a response wakes its process about 850
 * times a second for as long as it is open, with nothing to send: most of an idle service's CPU.
 * This replaces that one method: a check is scheduled only while requests wait (at the end of a
 * throttle, or shortly), which is the only time one has work; a request that cannot go out at once
 * schedules one itself when it is queued. The upstream fix (tulios/kafkajs#1751) was never released.
 * A kafkajs whose method reads otherwise is left alone.
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

/**
 * The delay kafkajs meant for the next check of waiting requests: until the throttle ends, or a
 * short interval; none (null) when no request waits, as such a check would have nothing to do.
 */
export function pendingCheckDelayMs(throttledUntil: number, now: number, pending: number): number | null {
  if (pending === 0) return null;
  const untilThrottleEnds = throttledUntil - now;
  return untilThrottleEnds > 0 ? untilThrottleEnds : CHECK_PENDING_REQUESTS_INTERVAL_MS;
}

/** Applies the fix to the kafkajs this process loads; true when the method is (now) the fixed one. */
export function fixKafkajsRequestQueueTimers(): boolean {
  // Loaded inline rather than through kafkajs-internals.ts: the operator tools import this file
  // straight into Node, which does not resolve a sibling `.js` import to its `.ts` source.
  let prototype: RequestQueueLike;
  try {
    const require = createRequire(import.meta.url);
    prototype = (require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike })
      .prototype;
  } catch {
    return false;
  }
  if (fixed.has(prototype)) return true;
  if (!String(prototype.scheduleCheckPendingRequests).includes(FAULTY_EXPRESSION)) return false;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (this.throttleCheckTimeoutId) return;
    const delay = pendingCheckDelayMs(this.throttledUntil, Date.now(), this.pending.length);
    if (delay === null) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  fixed.add(prototype);
  return true;
}

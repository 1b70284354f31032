import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { fixKafkajsRequestQueueTimers, pendingCheckDelayMs } from './kafkajs-request-queue.js';

interface RequestQueue {
  throttledUntil: number;
  pending: unknown[];
  checkPendingRequests(): void;
  destroy(): void;
}

const require = createRequire(import.meta.url);
const RequestQueueClass = require('kafkajs/src/network/requestQueue/index.js') as new (
  options: object,
) => RequestQueue;

function newQueue(): RequestQueue {
  const logger = {
    debug: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    info: () => undefined,
  };
  return new RequestQueueClass({
    maxInFlightRequests: null,
    requestTimeout: 1000,
    clientId: 'spec',
    broker: 'b:1',
    logger,
  });
}

/** Warnings Node emits while `run` runs and the ticks after it. */
async function warningsDuring(run: () => void): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error) => seen.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listener);
  try {
    run();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe(fixKafkajsRequestQueueTimers.name, () => {
  const queues: RequestQueue[] = [];
  afterEach(() => {
    for (const queue of queues.splice(0)) queue.destroy();
  });

  it('keeps the request queue from scheduling a timer with a negative delay after a response', async () => {
    expect(fixKafkajsRequestQueueTimers()).toBe(true);
    const queue = newQueue();
    queues.push(queue);
    // What kafkajs runs after every response: never throttled, nothing pending.
    const warnings = await warningsDuring(() => queue.checkPendingRequests());
    expect(warnings.filter((warning) => warning.startsWith('TimeoutNegativeWarning'))).toEqual([]);
  });

  it('leaves an idle queue without a timer instead of checking it again every millisecond', async () => {
    expect(fixKafkajsRequestQueueTimers()).toBe(true);
    const queue = newQueue();
    queues.push(queue);
    const check = queue.checkPendingRequests.bind(queue);
    let checks = 0;
    queue.checkPendingRequests = () => {
      checks += 1;
      check();
    };
    queue.checkPendingRequests();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Unfixed, the check re-arms a 1 ms timer for ever: about 85 checks in these 100 ms.
    expect(checks).toBe(1);
  });

  it('sends a request that waited for a throttle once the throttle ends', async () => {
    expect(fixKafkajsRequestQueueTimers()).toBe(true);
    const queue = newQueue();
    queues.push(queue);
    let sent = false;
    queue.throttledUntil = Date.now() + 30;
    queue.pending.push({ correlationId: 1, expectResponse: true, send: () => (sent = true) });
    queue.checkPendingRequests();
    expect(sent).toBe(false);
    for (const deadline = Date.now() + 2000; !sent && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toBe(true);
    expect(queue.pending).toEqual([]);
  });

  it('is applied once however often it is called', () => {
    expect(fixKafkajsRequestQueueTimers()).toBe(true);
    expect(fixKafkajsRequestQueueTimers()).toBe(true);
  });
});

describe(pendingCheckDelayMs.name, () => {
  const now = 1_800_000_000_000;

  it('waits until a throttle ends', () => {
    expect(pendingCheckDelayMs(now + 250, now, 3)).toBe(250);
  });

  it('checks waiting requests again shortly once no throttle holds them', () => {
    expect(pendingCheckDelayMs(-1, now, 2)).toBe(10);
  });

  it('schedules no check when no request waits, throttled or not', () => {
    expect(pendingCheckDelayMs(-1, now, 0)).toBeNull();
    expect(pendingCheckDelayMs(now + 250, now, 0)).toBeNull();
    expect(pendingCheckDelayMs(now - 5, now, 0)).toBeNull();
  });
});

// Whether a broker is up and serving, asked through kafkajs's admin client: an open port alone says
// nothing about whether the controller has admitted the broker.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const require = createRequire(import.meta.url);
let fixed = false;

/**
 * kafkajs 2.2.4's request queue schedules its next check `throttledUntil - Date.now()` ms ahead with
 * `throttledUntil` at -1 until a broker throttles, so every response sets a timer with a negative
 * delay (Node runs it after 1 ms and warns). The same method, with the delay held at 1 ms or more;
 * the services' copy of this fix is libs/platform's kafkajs-request-queue.ts (the tools cannot import it).
 */
export function fixKafkajsRequestQueueTimers() {
  if (fixed) return true;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js');
  const prototype = RequestQueue.prototype;
  if (!String(prototype.scheduleCheckPendingRequests).includes('this.throttledUntil - Date.now()'))
    return false;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests() {
    if (this.throttleCheckTimeoutId) return;
    const untilThrottleEnds = this.throttledUntil - Date.now();
    const delay =
      this.pending.length > 0
        ? untilThrottleEnds > 0
          ? untilThrottleEnds
          : 10
        : Math.max(1, untilThrottleEnds);
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  fixed = true;
  return true;
}

/**
 * Asks host:port for the cluster's metadata. Resolves with the brokers it lists, the cluster id and
 * the controller (-1 when there is none yet); rejects when the peer is not a Kafka broker or does
 * not answer within timeoutMs.
 */
export async function probeKafka(host, port, { timeoutMs = 5000 } = {}) {
  fixKafkajsRequestQueueTimers();
  const admin = new Kafka({
    clientId: 'pushmail-infra-probe',
    brokers: [`${host}:${port}`],
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // One question, no retries: the callers poll.
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const { brokers, clusterId, controller } = await Promise.race([
      admin.connect().then(() => admin.describeCluster()),
      deadline,
    ]);
    return { brokers, clusterId, controllerId: controller ?? -1 };
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}

/** True once the broker on host:port serves metadata that lists itself and names a controller. */
export async function kafkaIsReady(host, port, options) {
  const metadata = await probeKafka(host, port, options);
  return metadata.controllerId >= 0 && metadata.brokers.some((broker) => broker.port === port);
}

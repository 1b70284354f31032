// Whether a broker is up and serving, asked through kafkajs's admin client: an open port alone says
// nothing about whether the controller has admitted the broker.
import kafkajs from 'kafkajs';
// Node runs the platform's TypeScript as it is: the services and this probe share one copy of the fix.
import { fixKafkajsRequestQueueTimers } from '../../libs/platform/src/kafka/kafkajs-request-queue.ts';

const { Kafka, logLevel } = kafkajs;

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

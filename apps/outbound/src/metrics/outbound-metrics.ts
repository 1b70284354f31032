import { MetricSet } from '@pushmail/platform';
import type { Registry } from 'prom-client';

export interface QueueSnapshot {
  queued: number;
  deferred: number;
  oldestSeconds: number;
}

/**
 * The gauges are registered once per registry, so their collect functions read through this: the
 * queue of the service built last (a test that restarts the service in one process gets the new one).
 */
let readQueue: (() => Promise<QueueSnapshot>) | undefined;
let reading: Promise<QueueSnapshot> | undefined;

async function snapshot(): Promise<QueueSnapshot> {
  reading ??= (readQueue?.() ?? Promise.resolve({ queued: 0, deferred: 0, oldestSeconds: 0 })).finally(() => {
    reading = undefined;
  });
  return reading;
}

/**
 * The queue as Prometheus sees it. The gauges are read from the queue's table at scrape time, so
 * every replica reports the same numbers: take one replica's (max), not their sum.
 */
export class OutboundMetrics extends MetricSet {
  readonly delivered = this.counter(
    'pushmail_outbound_delivered_total',
    'Recipients delivered: accepted by the remote server (smtp) or handed to a hosted mailbox (local)',
    { labelNames: ['route'] },
  );
  readonly bounced = this.counter(
    'pushmail_outbound_bounced_total',
    'Recipients given up on, with a DSN to the sender: refused (5xx), unknown hosted address, or expired',
    { labelNames: ['reason'] },
  );
  readonly deferred = this.counter(
    'pushmail_outbound_deferred_total',
    'Attempts that failed temporarily (4xx, connection) and were put back in the queue',
  );
  readonly outcomeRecordSeconds = this.histogram(
    'pushmail_outbound_outcome_record_seconds',
    "From a remote server's reply being read to the outcome committed (part window), split into " +
      'the time until the recording statement is on its connection (part wait: pool wait and ' +
      'anything queued before it) and the statement with its commit (part statement). A crash inside ' +
      'the window after a 250 sends that message again',
    {
      labelNames: ['part'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    },
  );
  readonly queueSize = this.gauge(
    'pushmail_outbound_queue_size',
    'Recipients waiting in the queue, by status (queued: not tried yet, deferred: to be retried)',
    {
      labelNames: ['status'],
      async collect() {
        const queue = await snapshot().catch(() => undefined);
        if (!queue) return;
        this.set({ status: 'queued' }, queue.queued);
        this.set({ status: 'deferred' }, queue.deferred);
      },
    },
  );
  readonly oldestSeconds = this.gauge(
    'pushmail_outbound_oldest_age_seconds',
    'Age of the oldest recipient still waiting in the queue (0 when it is empty)',
    {
      async collect() {
        const queue = await snapshot().catch(() => undefined);
        if (queue) this.set(queue.oldestSeconds);
      },
    },
  );

  constructor(read: () => Promise<QueueSnapshot>, registry?: Registry) {
    super(registry);
    readQueue = read;
  }
}

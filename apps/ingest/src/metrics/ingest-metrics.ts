import { MetricSet } from '@pushmail/platform';

/**
 * The service's Prometheus metrics, served on /metrics by the platform's health module. Events
 * produced and consumed are counted by the platform's Kafka metrics.
 */
export class IngestMetrics extends MetricSet {
  readonly sessions = this.counter(
    'pushmail_ingest_smtp_sessions_total',
    'SMTP connections opened, including those refused at connect',
  );
  readonly replies = this.counter(
    'pushmail_ingest_smtp_replies_total',
    'SMTP replies decided by ingest (connect, MAIL, RCPT, end of DATA), by reply code',
    { labelNames: ['code'] },
  );
  readonly publishSeconds = this.histogram(
    'pushmail_ingest_publish_seconds',
    "Time to publish one message's events to Kafka, by outcome",
    {
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    },
  );
  readonly senderChecks = this.counter(
    'pushmail_ingest_sender_checks_total',
    'Messages whose sender was checked, by DMARC result and what was done (accept, reject, defer)',
    { labelNames: ['dmarc', 'action'] },
  );
  /** One labelled child per reply code seen, so a reply costs no label lookup. */
  private readonly repliesByCode = new Map<number, { inc(): void }>();

  reply(code: number): void {
    let child = this.repliesByCode.get(code);
    if (!child) {
      child = this.replies.labels({ code: String(code) });
      this.repliesByCode.set(code, child);
    }
    child.inc();
  }
}

import { registeredCounter, registeredHistogram } from '@pushmail/platform';
import { type Counter, type Histogram, register as defaultRegistry, type Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, served on /metrics by the platform's health module. Events
 * produced and consumed are counted by the platform's Kafka metrics.
 */
export class IngestMetrics {
  readonly sessions: Counter;
  readonly replies: Counter<'code'>;
  readonly publishSeconds: Histogram<'outcome'>;
  readonly senderChecks: Counter<'dmarc' | 'action'>;
  /** One labelled child per reply code seen, so a reply costs no label lookup. */
  private readonly repliesByCode = new Map<number, { inc(): void }>();

  constructor(registry: Registry = defaultRegistry) {
    this.sessions = registeredCounter(registry, {
      name: 'pushmail_ingest_smtp_sessions_total',
      help: 'SMTP connections opened, including those refused at connect',
    });
    this.replies = registeredCounter(registry, {
      name: 'pushmail_ingest_smtp_replies_total',
      help: 'SMTP replies decided by ingest (connect, MAIL, RCPT, end of DATA), by reply code',
      labelNames: ['code'],
    });
    this.publishSeconds = registeredHistogram(registry, {
      name: 'pushmail_ingest_publish_seconds',
      help: "Time to publish one message's events to Kafka, by outcome",
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.senderChecks = registeredCounter(registry, {
      name: 'pushmail_ingest_sender_checks_total',
      help: 'Messages whose sender was checked, by DMARC result and what was done (accept, reject, defer)',
      labelNames: ['dmarc', 'action'],
    });
  }

  reply(code: number): void {
    let child = this.repliesByCode.get(code);
    if (!child) {
      child = this.replies.labels({ code: String(code) });
      this.repliesByCode.set(code, child);
    }
    child.inc();
  }
}

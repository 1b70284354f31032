import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

/**
 * The service's Prometheus metrics. Metrics are looked up by name before being created so that
 * two instances in one process (tests boot several) share them instead of failing to register.
 */
export class IngestMetrics {
  readonly sessions: Counter;
  readonly replies: Counter<'code'>;
  readonly publishSeconds: Histogram<'outcome'>;

  constructor(registry: Registry = defaultRegistry) {
    this.sessions =
      existing<Counter>(registry, 'pushmail_smtp_sessions_total') ??
      new Counter({
        name: 'pushmail_smtp_sessions_total',
        help: 'SMTP connections opened, including those refused at connect',
        registers: [registry],
      });
    this.replies =
      existing<Counter<'code'>>(registry, 'pushmail_smtp_replies_total') ??
      new Counter({
        name: 'pushmail_smtp_replies_total',
        help: 'SMTP replies decided by ingest (connect, MAIL, RCPT, end of DATA), by reply code',
        labelNames: ['code'],
        registers: [registry],
      });
    this.publishSeconds =
      existing<Histogram<'outcome'>>(registry, 'pushmail_ingest_publish_seconds') ??
      new Histogram({
        name: 'pushmail_ingest_publish_seconds',
        help: "Time to publish one message's events to Kafka, by outcome",
        labelNames: ['outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      });
  }

  reply(code: number): void {
    this.replies.inc({ code: String(code) });
  }
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

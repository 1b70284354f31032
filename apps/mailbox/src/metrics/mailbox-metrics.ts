import { MetricSet } from '@pushmail/platform';

/**
 * The service's Prometheus metrics, served on /metrics by the platform's health module. Events
 * produced and consumed are counted by the platform's Kafka metrics.
 */
export class MailboxMetrics extends MetricSet {
  readonly deliveryEventsHandled = this.counter(
    'pushmail_mailbox_delivery_events_handled_total',
    'Mail-arrived events handled: stored (or found stored before) and the change announced.',
  );
  readonly emailsStored = this.counter(
    'pushmail_mailbox_emails_stored_total',
    'Delivered messages stored as new emails.',
  );
  readonly deliveriesAlreadyStored = this.counter(
    'pushmail_mailbox_deliveries_already_stored_total',
    'Delivered messages skipped because the same delivery was stored before (redelivered events).',
  );
  readonly messagesStoredUnparsed = this.counter(
    'pushmail_mailbox_messages_stored_unparsed_total',
    'Delivered messages whose MIME structure could not be parsed; their header fields are stored.',
  );
  readonly storeSeconds = this.histogram(
    'pushmail_mailbox_store_seconds',
    'Time to store one batch of delivered messages in Postgres: the transaction, from its start to its commit.',
    { buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
  );
}

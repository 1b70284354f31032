import { registeredCounter, registeredHistogram } from '@pushmail/platform';
import { type Counter, type Histogram, register as defaultRegistry, type Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, served on /metrics by the platform's health module. Events
 * produced and consumed are counted by the platform's Kafka metrics.
 */
export class MailboxMetrics {
  readonly deliveryEventsHandled: Counter;
  readonly emailsStored: Counter;
  readonly deliveriesAlreadyStored: Counter;
  readonly messagesStoredUnparsed: Counter;
  readonly storeSeconds: Histogram;

  constructor(registry: Registry = defaultRegistry) {
    this.deliveryEventsHandled = registeredCounter(registry, {
      name: 'pushmail_mailbox_delivery_events_handled_total',
      help: 'Mail-arrived events handled: stored (or found stored before) and the change announced.',
    });
    this.emailsStored = registeredCounter(registry, {
      name: 'pushmail_mailbox_emails_stored_total',
      help: 'Delivered messages stored as new emails.',
    });
    this.deliveriesAlreadyStored = registeredCounter(registry, {
      name: 'pushmail_mailbox_deliveries_already_stored_total',
      help: 'Delivered messages skipped because the same delivery was stored before (redelivered events).',
    });
    this.messagesStoredUnparsed = registeredCounter(registry, {
      name: 'pushmail_mailbox_messages_stored_unparsed_total',
      help: 'Delivered messages whose MIME structure could not be parsed; their header fields are stored.',
    });
    this.storeSeconds = registeredHistogram(registry, {
      name: 'pushmail_mailbox_store_seconds',
      help: 'Time to store one batch of delivered messages in Postgres: the transaction, from its start to its commit.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
  }
}

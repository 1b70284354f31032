import { registeredMetric } from '@pushmail/platform';
import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

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
    const registers = [registry];
    this.deliveryEventsHandled = registeredMetric(
      registry,
      'pushmail_mailbox_delivery_events_handled_total',
      () =>
        new Counter({
          name: 'pushmail_mailbox_delivery_events_handled_total',
          help: 'Mail-arrived events handled: stored (or found stored before) and the change announced.',
          registers,
        }),
    );
    this.emailsStored = registeredMetric(
      registry,
      'pushmail_mailbox_emails_stored_total',
      () =>
        new Counter({
          name: 'pushmail_mailbox_emails_stored_total',
          help: 'Delivered messages stored as new emails.',
          registers,
        }),
    );
    this.deliveriesAlreadyStored = registeredMetric(
      registry,
      'pushmail_mailbox_deliveries_already_stored_total',
      () =>
        new Counter({
          name: 'pushmail_mailbox_deliveries_already_stored_total',
          help: 'Delivered messages skipped because the same delivery was stored before (redelivered events).',
          registers,
        }),
    );
    this.messagesStoredUnparsed = registeredMetric(
      registry,
      'pushmail_mailbox_messages_stored_unparsed_total',
      () =>
        new Counter({
          name: 'pushmail_mailbox_messages_stored_unparsed_total',
          help: 'Delivered messages whose MIME structure could not be parsed; their header fields are stored.',
          registers,
        }),
    );
    this.storeSeconds = registeredMetric(
      registry,
      'pushmail_mailbox_store_seconds',
      () =>
        new Histogram({
          name: 'pushmail_mailbox_store_seconds',
          help: 'Time to store one batch of delivered messages in Postgres: the transaction, from its start to its commit.',
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    );
  }
}

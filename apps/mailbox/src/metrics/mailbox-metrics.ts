import { Counter } from 'prom-client';

/** Served on /metrics by the platform's health module, from prom-client's default registry. */
export const emailsStored = new Counter({
  name: 'mailbox_emails_stored_total',
  help: 'Delivered messages stored as new emails.',
});

export const deliveriesAlreadyStored = new Counter({
  name: 'mailbox_deliveries_already_stored_total',
  help: 'Delivered messages skipped because the same delivery was stored before (redelivered events).',
});

export const messagesStoredUnparsed = new Counter({
  name: 'mailbox_messages_stored_unparsed_total',
  help: 'Delivered messages whose MIME structure could not be parsed; their header fields are stored.',
});

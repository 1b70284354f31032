import { accountSnapshotV1 } from '../events/account.js';
import { deadLetterV1 } from '../events/dead-letter.js';
import { deviceCredentialsV1 } from '../events/device-credentials.js';
import { deviceEventV1 } from '../events/device-event.js';
import { deviceTrailV1 } from '../events/device-trail.js';
import { mailArrivedV1 } from '../events/mail-arrived.js';
import { mailboxChangedV1 } from '../events/mailbox-changed.js';
import { mailDeliveryStatusV1, mailSubmittedV2 } from '../events/mail-submitted.js';
import { defineTopic } from './topic.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Events worth keeping for `days`, then dropped. */
function deletedAfterDays(days: number): Record<string, string> {
  return { 'cleanup.policy': 'delete', 'retention.ms': String(days * DAY_MS) };
}

/**
 * A topic whose events carry a whole raw message: up to the SMTP or submission size limit,
 * base64-encoded, fits.
 */
const rawMessageConfig = {
  ...deletedAfterDays(7),
  'max.message.bytes': String(48 * 1024 * 1024),
  'min.insync.replicas': '1',
};

/** A compacted topic: the latest event of each key is kept for ever. */
const compactedConfig = {
  'cleanup.policy': 'compact',
  'min.compaction.lag.ms': '0',
  'segment.ms': String(DAY_MS),
};

/** Ordering is per account. */
const byAccount = (event: { accountId: string }): string => event.accountId;

export const mailArrivedTopic = defineTopic({
  name: 'pushmail.mail.arrived.v1',
  description: 'One event per accepted message and recipient account, with the raw message.',
  schema: mailArrivedV1,
  key: byAccount,
  partitions: 6,
  config: rawMessageConfig,
});

export const mailboxChangedTopic = defineTopic({
  name: 'pushmail.mailbox.changed.v1',
  description: "An account's mail changed: the new JMAP states of each changed data type.",
  schema: mailboxChangedV1,
  key: byAccount,
  partitions: 6,
  config: deletedAfterDays(3),
});

/**
 * The submissions: the envelope sender may be the null reverse-path. mailbox writes here, outbound
 * reads. v1, which could not carry the null reverse-path, is retired (`retiredTopics`, ADR 0094).
 */
export const mailSubmittedV2Topic = defineTopic({
  name: 'pushmail.mail.submitted.v2',
  description:
    'One event per message submitted for delivery, with its envelope (whose sender may be the null reverse-path) and raw message.',
  schema: mailSubmittedV2,
  key: (event) => event.accountId,
  partitions: 6,
  config: {
    'cleanup.policy': 'delete',
    'retention.ms': String(7 * DAY_MS),
    // A submission is at most the submission size limit, base64-encoded.
    'max.message.bytes': String(48 * 1024 * 1024),
    'min.insync.replicas': '1',
  },
});

export const mailDeliveryStatusTopic = defineTopic({
  name: 'pushmail.mail.delivery-status.v1',
  description: 'How the delivery of one recipient of a submission went: delivered, deferred or failed.',
  schema: mailDeliveryStatusV1,
  key: byAccount,
  partitions: 6,
  config: deletedAfterDays(7),
});

export const accountTopic = defineTopic({
  name: 'pushmail.account.v1',
  description: 'Latest snapshot of every account (compacted): address and status.',
  schema: accountSnapshotV1,
  key: byAccount,
  partitions: 3,
  config: compactedConfig,
});

export const deviceCredentialsTopic = defineTopic({
  name: 'pushmail.device-credentials.v1',
  description: "Internal: each account's device token digests and access levels (compacted).",
  schema: deviceCredentialsV1,
  key: byAccount,
  partitions: 3,
  config: compactedConfig,
});

export const deviceEventTopic = defineTopic({
  name: 'pushmail.device.event.v1',
  description:
    'Device partnership events (registered, access changed, policy changed or acknowledged, wipe requested or confirmed, removed).',
  schema: deviceEventV1,
  key: byAccount,
  partitions: 3,
  config: deletedAfterDays(30),
});

export const deviceTrailTopic = defineTopic({
  name: 'pushmail.device.trail.v1',
  description:
    'Diagnostic trail of devices: connects and disconnects, pings, pushes, requests, failed authentications (batched per account).',
  schema: deviceTrailV1,
  key: byAccount,
  partitions: 3,
  config: deletedAfterDays(7),
});

export const deadLetterTopic = defineTopic({
  name: 'pushmail.dead-letter.v1',
  description: 'Events a consumer could not use, with the reason and the original bytes.',
  schema: deadLetterV1,
  key: (event) => event.key ?? `${event.sourceTopic}/${event.partition}/${event.offset}`,
  partitions: 3,
  config: { ...deletedAfterDays(30), 'max.message.bytes': String(64 * 1024 * 1024) },
});

/** Every topic pushmail owns, for the tool that creates them and for the contract document. */
export const allTopics = [
  mailArrivedTopic,
  mailboxChangedTopic,
  mailSubmittedV2Topic,
  mailDeliveryStatusTopic,
  accountTopic,
  deviceCredentialsTopic,
  deviceEventTopic,
  deviceTrailTopic,
  deadLetterTopic,
] as const;

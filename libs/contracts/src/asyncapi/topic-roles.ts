import {
  accountTopic,
  deadLetterTopic,
  deviceCredentialsTopic,
  deviceEventTopic,
  deviceTrailTopic,
  mailArrivedTopic,
  mailboxChangedTopic,
  mailDeliveryStatusTopic,
  mailSubmittedV2Topic,
} from '../topics/topics.js';

export interface TopicConsumerRole {
  service: string;
  /** The consumer group, or how it is formed when each replica reads on its own. */
  group: string;
  how: string;
}

/** Who writes and who reads each topic, and the guarantees a reader can rely on. */
export interface TopicRole {
  producers: readonly string[];
  consumers: readonly TopicConsumerRole[];
  keyDescription: string;
  ordering: string;
  /** A valid event, shown in the document and checked against the schema by the tests. */
  example: Record<string, unknown>;
}

const exampleAccountId = '6f1c2a7e-3b9d-4c51-9e0a-2d7b8c4f1a36';
const exampleTime = '2026-03-14T09:26:53.589Z';
/** The submission both versions of mail-submitted show, each in its own shape. */
const exampleSubmission = {
  eventId: '3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b',
  accountId: exampleAccountId,
  submissionId: 'S3f9a2c41d7e0b6a8',
  emailId: 'M7f3a',
  submittedAt: exampleTime,
};

export const topicRoles: Readonly<Record<string, TopicRole>> = {
  [mailArrivedTopic.name]: {
    producers: ['ingest', 'outbound'],
    consumers: [
      {
        service: 'mailbox',
        group: 'mailbox',
        how: 'One group shared by every replica; offsets are committed after the message is stored.',
      },
    ],
    keyDescription: 'The recipient account id (UUID).',
    ordering:
      'All events of one account are on one partition, in the order ingest accepted them. `deliveryId` is the idempotency key: a redelivered event (ingest retrying after a lost acknowledgement, a consumer re-reading after a rebalance) carries the same `deliveryId`, so a consumer stores it at most once.',
    example: {
      eventId: '0b4e6c1d-8f2a-4e3b-9c7d-5a1f2e3d4c5b',
      accountId: exampleAccountId,
      deliveryId: 'sha256:9c1f0e2b4a6d8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2d4c6e8f0a2b4d6c8e',
      receivedAt: exampleTime,
      envelope: { mailFrom: 'bob@elsewhere.example', rcptTo: 'alice@example.com' },
      smtp: { clientAddress: '192.0.2.10', heloName: 'mx.elsewhere.example', sessionId: 'k3v9q2' },
      sizeBytes: 76,
      rawBase64: Buffer.from(
        'From: Bob <bob@elsewhere.example>\r\nTo: alice@example.com\r\nSubject: Lunch?\r\n\r\nAt noon?\r\n',
      ).toString('base64'),
    },
  },
  [mailboxChangedTopic.name]: {
    producers: ['mailbox'],
    consumers: [
      {
        service: 'push-delivery',
        group: 'push-delivery-<host>-<random>',
        how: 'A group of its own per replica, so every replica sees every change for the sockets it holds; it starts at the latest offset.',
      },
      {
        service: 'activesync',
        group: 'activesync-<host>-<random>',
        how: 'A group of its own per replica, so every replica sees every change for the Pings it holds parked; it starts at the latest offset.',
      },
    ],
    keyDescription: 'The account id (UUID).',
    ordering:
      'All changes of one account are on one partition in the order mailbox committed them; `state` only moves forward. Changes are coalescible: a consumer that only needs the latest state may skip to the newest event of an account.',
    example: {
      eventId: '7d3a9b2c-1e4f-4a6b-8c0d-9e8f7a6b5c4d',
      accountId: exampleAccountId,
      state: '42',
      changed: { Email: '42', Mailbox: '42', Thread: '42', EmailDelivery: '42' },
      cause: 'delivery',
      createdEmailIds: ['M7f3a'],
      createdInMailboxIds: ['Mb1c2'],
      occurredAt: exampleTime,
    },
  },
  [mailSubmittedV2Topic.name]: {
    producers: ['mailbox'],
    consumers: [
      {
        service: 'outbound',
        group: 'outbound-submitted-v2',
        how: 'One group shared by every replica; offsets are committed once every recipient of the submission is in the durable queue (or handed to mail-arrived for a hosted address).',
      },
    ],
    keyDescription: 'The sending account id (UUID).',
    ordering:
      'Submissions of one account are on one partition in the order mailbox stored them. An empty `envelope.mailFrom` is the null reverse-path (`MAIL FROM:<>`): outbound sends it so, and a refusal produces no DSN (automatic replies use it, RFC 3834 §3.3). mailbox publishes a submission only after its row is committed, and again until the broker acknowledged it (an outbox), so a redelivered event is possible and carries the same `submissionId`: outbound queues each recipient of a submission once.',
    example: {
      ...exampleSubmission,
      envelope: { mailFrom: '', rcptTo: ['bob@elsewhere.example'] },
      sizeBytes: 125,
      rawBase64: Buffer.from(
        'Auto-Submitted: auto-replied\r\nFrom: alice@example.com\r\nTo: bob@elsewhere.example\r\nSubject: Auto: Noon\r\n\r\nAway until Monday.\r\n',
      ).toString('base64'),
    },
  },
  [mailDeliveryStatusTopic.name]: {
    producers: ['outbound'],
    consumers: [
      {
        service: 'mailbox',
        group: 'mailbox-status',
        how: "One group shared by every replica; each event updates the submission's `deliveryStatus` for its recipient and is committed after.",
      },
    ],
    keyDescription: 'The sending account id (UUID).',
    ordering:
      'Events of one submission are on one partition in the order outbound decided them; a final outcome (`yes`, `no`) is never followed by another for the same recipient. Delivery is at least once: applying an event twice changes nothing.',
    example: {
      eventId: '4f3e2d1c-0b9a-4f8e-9d7c-6b5a4f3e2d1c',
      accountId: exampleAccountId,
      submissionId: 'S3f9a2c41d7e0b6a8',
      recipient: 'bob@elsewhere.example',
      delivered: 'yes',
      smtpReply: '250 2.0.0 Ok: queued as 4F3E2D',
      attempts: 1,
      occurredAt: exampleTime,
    },
  },
  [accountTopic.name]: {
    producers: ['device-registry'],
    consumers: [
      {
        service: 'ingest',
        group: 'ingest-accounts-<random>',
        how: 'Every replica reads the whole compacted topic from the beginning into memory and is ready once caught up; nothing is committed.',
      },
      {
        service: 'push-delivery',
        group: 'push-delivery-accounts-<random>',
        how: 'Every replica reads the whole compacted topic from the beginning into memory; nothing is committed.',
      },
      {
        service: 'activesync',
        group: 'activesync-accounts-<random>',
        how: 'Every replica reads the whole compacted topic from the beginning into memory; nothing is committed.',
      },
      {
        service: 'outbound',
        group: 'outbound-accounts-<random>',
        how: 'Every replica reads the whole compacted topic from the beginning into memory, to hand mail for hosted addresses to mail-arrived; nothing is committed.',
      },
    ],
    keyDescription: 'The account id (UUID). Compaction keeps the latest snapshot per key.',
    ordering:
      'Snapshots of one account are on one partition; `revision` grows with every change, so a reader ignores a snapshot older than the one it holds. A null value (tombstone) means the account is gone.',
    example: {
      accountId: exampleAccountId,
      revision: 3,
      address: 'alice@example.com',
      status: 'active',
      updatedAt: exampleTime,
    },
  },
  [deviceCredentialsTopic.name]: {
    producers: ['device-registry'],
    consumers: [
      {
        service: 'push-delivery',
        group: 'push-delivery-credentials-<random>',
        how: 'Every replica reads the whole compacted topic from the beginning into memory; nothing is committed.',
      },
      {
        service: 'activesync',
        group: 'activesync-credentials-<random>',
        how: 'Every replica reads the whole compacted topic from the beginning into memory; nothing is committed.',
      },
    ],
    keyDescription: 'The account id (UUID). Compaction keeps the latest snapshot per key.',
    ordering:
      'Internal to pushmail. Snapshots of one account are on one partition; `revision` grows with every change. A null value (tombstone) means the account and all its devices are gone.',
    example: {
      accountId: exampleAccountId,
      revision: 3,
      accountStatus: 'active',
      devices: [
        {
          deviceId: 'alice-phone',
          tokenSha256: ['5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8'],
          access: 'allowed',
          accessRule: 'organisation default: allowed',
          status: 'active',
          acknowledgedPolicy: { policyId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', version: 2 },
          pendingWipe: null,
        },
      ],
      policy: {
        policyId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        name: 'standard',
        version: 2,
        settings: {
          pinRequired: true,
          minPinLength: 6,
          lockAfterIdleSeconds: 300,
          wipeAfterFailedUnlocks: 10,
          syncWindowDays: 30,
          maxAttachmentBytes: 10485760,
        },
      },
      updatedAt: exampleTime,
    },
  },
  [deviceEventTopic.name]: {
    producers: ['device-registry'],
    consumers: [
      {
        service: 'operations',
        group: 'operations-trail-decisions',
        how: "One group shared by every replica; each decision becomes a record of the device's trail, beside its sockets and pushes.",
      },
      {
        service: 'other teams (audit, MDM, analytics)',
        group: 'chosen by the consumer',
        how: 'Any group; read from the beginning for history or from the latest offset for live reactions. push-delivery does not read it: it enforces from the credentials snapshot, which is written before the events of the same change.',
      },
    ],
    keyDescription: 'The account id (UUID).',
    ordering:
      'Events of one account are on one partition in the order device-registry committed them, and are published right after the credentials snapshot of the same change. Delivery is at least once: a redelivered event carries the same `eventId`. An event with `deviceId: null` concerns every device of the account (a policy change).',
    example: {
      eventId: '2c9d7e41-5a3b-4f8e-9d1c-7b6a5e4d3c2b',
      accountId: exampleAccountId,
      deviceId: 'alice-phone',
      type: 'accessChanged',
      occurredAt: exampleTime,
      actor: 'administrator',
      access: {
        level: 'blocked',
        previous: 'allowed',
        rule: 'exemption: this device of this account is always blocked',
      },
    },
  },
  [deviceTrailTopic.name]: {
    producers: ['push-delivery'],
    consumers: [
      {
        service: 'operations',
        group: 'operations-trail',
        how: 'One group shared by every replica; records are kept in a bounded table (retention and a per-device cap) behind the diagnostics admin API.',
      },
      {
        service: 'other teams (support, analytics)',
        group: 'chosen by the consumer',
        how: 'Any group. Pings and pushes may be sampled: `count` says how many records one stands for.',
      },
    ],
    keyDescription: 'The account id (UUID).',
    ordering:
      'Batches of one account are on one partition in the order one replica recorded them; batches from different replicas may interleave, so order records by `at`. Delivery is best effort: a replica drops records rather than slow the push path when Kafka is unreachable.',
    example: {
      batchId: '5b2d8e6f-3c1a-4d7e-9f0b-8a7c6d5e4f3a',
      accountId: exampleAccountId,
      source: 'push-delivery-7c9f4',
      records: [
        { deviceId: 'alice-phone', kind: 'connected', at: exampleTime, clientAddress: '192.0.2.44' },
        {
          deviceId: 'alice-phone',
          kind: 'disconnected',
          at: exampleTime,
          close: {
            code: 1006,
            reason: '',
            by: 'network',
            initiator: 'silentCut',
            idleMs: 240000,
            lifetimeMs: 240000,
          },
        },
      ],
    },
  },
  [deadLetterTopic.name]: {
    // Every consumer group that validates events writes here: mail-arrived's and mailbox-changed's.
    producers: ['mailbox', 'push-delivery', 'activesync', 'outbound'],
    consumers: [
      {
        service: 'operators',
        group: 'chosen by the operator',
        how: 'Read for diagnosis and replay; `valueBase64` and `headers` are the original message, ready to publish again.',
      },
    ],
    keyDescription: 'The original message key, or `<sourceTopic>/<partition>/<offset>` when it had none.',
    ordering:
      'No ordering across source topics. An event is dead-lettered once per consumer group that rejected it.',
    example: {
      sourceTopic: 'pushmail.mail.arrived.v1',
      partition: 4,
      offset: '1187',
      key: exampleAccountId,
      consumerGroup: 'mailbox',
      reason: 'schema pushmail.mail.arrived.v1: accountId: Invalid UUID',
      valueBase64: Buffer.from('{"accountId":"nope"}').toString('base64'),
      headers: { 'pushmail-schema': 'pushmail.mail.arrived.v1', 'content-type': 'application/json' },
      failedAt: exampleTime,
    },
  },
};

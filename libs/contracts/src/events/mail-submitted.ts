import { z } from 'zod';
import { accountId, emailAddress, isoTimestamp } from './common.js';

/**
 * An address on an SMTP envelope: no whitespace, control characters or angle brackets, so it can
 * never carry a second command or header into a conversation.
 */
export const envelopeAddress = emailAddress.regex(
  /^[^\s<>()[\],;:"\\\u0000-\u001f\u007f]+@[A-Za-z0-9.-]+$/,
  'must be a plain address without spaces, control characters or brackets',
);

/**
 * The null reverse-path (`MAIL FROM:<>`, RFC 5321 §4.5.5), written as the empty string as in
 * mail-arrived's envelope: no delivery status notification is ever sent back for such a message.
 */
export const NULL_REVERSE_PATH = '';

/**
 * A device submitted a message for delivery (JMAP EmailSubmission/set). Published by mailbox once the
 * submission is stored, consumed by outbound, which delivers it to every envelope recipient. The
 * envelope sender may be the null reverse-path: messages that must never be answered by a bounce
 * (automatic replies, RFC 3834 §3.3) are sent with it, and a recipient that refuses them produces no
 * DSN. (v1, retired by ADR 0094, could not carry the null reverse-path.)
 */
export const mailSubmittedV2 = z.object({
  eventId: z.uuid(),
  /** The sending account. */
  accountId,
  /** The EmailSubmission id: the idempotency key of the submission. */
  submissionId: z.string().min(1).max(64),
  /** The submitted Email's id in the sender's account. */
  emailId: z.string().min(1).max(64),
  submittedAt: isoTimestamp,
  envelope: z.object({
    /** The envelope sender, or `''` for the null reverse-path. */
    mailFrom: z.union([z.literal(NULL_REVERSE_PATH), envelopeAddress]),
    rcptTo: z.array(envelopeAddress).min(1).max(1000),
  }),
  sizeBytes: z.int().nonnegative(),
  /** The message to transmit (Bcc removed), base64. */
  rawBase64: z.base64(),
});
export type MailSubmittedV2 = z.infer<typeof mailSubmittedV2>;

/** Where one recipient's delivery stands, in the terms of RFC 8621 §7 `deliveryStatus.delivered`. */
export const deliveryOutcomes = ['queued', 'yes', 'no', 'unknown'] as const;

/**
 * What happened to one recipient of a submission: accepted by the next hop (`yes`), deferred and
 * retried (`queued`), or refused for good (`no`, with a DSN in the sender's Inbox). Published by
 * outbound, consumed by mailbox, which keeps the submission's `deliveryStatus` current.
 */
export const mailDeliveryStatusV1 = z.object({
  eventId: z.uuid(),
  accountId,
  submissionId: z.string().min(1).max(64),
  recipient: envelopeAddress,
  delivered: z.enum(deliveryOutcomes),
  /** The last SMTP reply of the receiving server, or a description of the local outcome. */
  smtpReply: z.string().max(1000),
  /** Attempts made so far for this recipient. */
  attempts: z.int().nonnegative(),
  occurredAt: isoTimestamp,
});
export type MailDeliveryStatusV1 = z.infer<typeof mailDeliveryStatusV1>;

import type { Envelope } from './envelope.js';

/** `deliveryStatus` of one recipient (RFC 8621 §7). */
export interface DeliveryStatus {
  smtpReply: string;
  delivered: 'queued' | 'yes' | 'no' | 'unknown';
  displayed: 'unknown' | 'yes';
}

export interface EmailSubmission {
  id: string;
  identityId: string;
  emailId: string;
  threadId: string;
  envelope: Envelope;
  sendAt: string;
  undoStatus: 'pending' | 'final' | 'canceled';
  deliveryStatus: Record<string, DeliveryStatus>;
  dsnBlobIds: string[];
  mdnBlobIds: string[];
}

export const SUBMISSION_PROPERTIES = [
  'id',
  'identityId',
  'emailId',
  'threadId',
  'envelope',
  'sendAt',
  'undoStatus',
  'deliveryStatus',
  'dsnBlobIds',
  'mdnBlobIds',
] as const;

export interface SubmissionRow {
  id: string;
  identity_id: string;
  email_id: string;
  thread_id: string;
  envelope: Envelope;
  send_at: Date;
  undo_status: EmailSubmission['undoStatus'];
  delivery_status: Record<string, DeliveryStatus>;
}

export const SUBMISSION_COLUMNS =
  'id, identity_id, email_id, thread_id, envelope, send_at, undo_status, delivery_status';

export function submissionOf(row: SubmissionRow): EmailSubmission {
  return {
    id: row.id,
    identityId: row.identity_id,
    emailId: row.email_id,
    threadId: row.thread_id,
    envelope: row.envelope,
    sendAt: new Date(row.send_at).toISOString(),
    undoStatus: row.undo_status,
    deliveryStatus: row.delivery_status,
    // DSNs arrive in the sender's Inbox as mail of their own; they are not linked here.
    dsnBlobIds: [],
    mdnBlobIds: [],
  };
}

/** Final outcomes are never overwritten by a later, older-looking one (a redelivered `queued`). */
export function nextDeliveryStatus(
  current: DeliveryStatus | undefined,
  next: DeliveryStatus,
): DeliveryStatus {
  if (current && (current.delivered === 'yes' || current.delivered === 'no') && next.delivered === 'queued') {
    return current;
  }
  return next;
}

// Generated from the migrations by apps/mailbox/src/store/schema/schema.int-spec.ts: do not edit.
// After adding a migration, run
//   npx vitest run --project integration apps/mailbox/src/store/schema --update
// and commit the result.
import type { Generated, Int8, Json, Timestamp } from './schema/column-types.js';

export interface AccountStateTable {
  account_id: string;
  modseq: Generated<Int8>;
  delivery_modseq: Generated<Int8>;
  published_modseq: Generated<Int8>;
  changes_horizon: Generated<Int8>;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
  email_modseq: Generated<Int8>;
  mailbox_modseq: Generated<Int8>;
  thread_modseq: Generated<Int8>;
  identity_modseq: Generated<Int8>;
  submission_modseq: Generated<Int8>;
  vacation_modseq: Generated<Int8>;
}

export interface BlobsTable {
  account_id: string;
  id: string;
  type: string;
  size: number;
  data: Buffer;
  created_at: Generated<Timestamp>;
}

export interface ChangesTable {
  account_id: string;
  type: 'Email' | 'Mailbox' | 'Thread' | 'Identity' | 'EmailSubmission';
  modseq: Int8;
  object_id: string;
  kind: 'created' | 'updated' | 'destroyed';
  at: Generated<Timestamp>;
}

export interface EmailMailboxesTable {
  account_id: string;
  mailbox_id: string;
  received_at: Timestamp;
  email_id: string;
  thread_id: string;
  sent_at: Timestamp;
  sort_from: string;
  sort_subject: string;
}

export interface EmailSubmissionsTable {
  id: string;
  account_id: string;
  identity_id: string;
  email_id: string;
  thread_id: string;
  envelope: Json;
  send_at: Timestamp;
  undo_status: 'pending' | 'final' | 'canceled';
  delivery_status: Json;
  created_modseq: Int8;
  updated_modseq: Int8;
}

export interface EmailsTable {
  id: string;
  account_id: string;
  delivery_id: string;
  thread_id: string;
  mailbox_ids: Json;
  keywords: Generated<Json>;
  received_at: Timestamp;
  size: number;
  subject: string | null;
  from: Json | null;
  to: Json | null;
  cc: Json | null;
  reply_to: Json | null;
  message_id: string | null;
  in_reply_to: Json | null;
  references: Json | null;
  sent_at: Timestamp | null;
  preview: Generated<string>;
  text_body: string | null;
  html_body: string | null;
  has_attachment: Generated<boolean>;
  attachments: Generated<Json>;
  created_modseq: Int8;
  updated_modseq: Int8;
  blob_id: string;
  sender: Json | null;
  bcc: Json | null;
  sort_subject: Generated<string>;
  sort_from: Generated<string>;
  sort_to: Generated<string>;
  body_structure: Json | null;
  body_values: Json | null;
}

export interface IdentitiesTable {
  id: string;
  account_id: string;
  name: Generated<string>;
  email: string;
  reply_to: Json | null;
  bcc: Json | null;
  text_signature: Generated<string>;
  html_signature: Generated<string>;
  may_delete: Generated<boolean>;
  created_modseq: Int8;
  updated_modseq: Int8;
}

export interface MailboxCountsTable {
  mailbox_id: string;
  total_emails: number;
  unread_emails: number;
  total_threads: number;
  unread_threads: number;
}

export interface MailboxThreadCountsTable {
  mailbox_id: string;
  thread_id: string;
  emails: number;
  unread: number;
}

export interface MailboxesTable {
  id: string;
  account_id: string;
  name: string;
  role: 'inbox' | 'archive' | 'drafts' | 'sent' | 'trash' | 'junk' | null;
  parent_id: string | null;
  sort_order: Generated<number>;
  created_modseq: Int8;
  updated_modseq: Int8;
  is_subscribed: Generated<boolean>;
}

export interface SubmissionOutboxTable {
  submission_id: string;
  account_id: string;
  event: Json;
  created_at: Generated<Timestamp>;
}

export interface ThreadMessageIdsTable {
  account_id: string;
  message_id: string;
  is_reference: boolean;
  email_id: string;
}

export interface VacationRepliesTable {
  account_id: string;
  sender: string;
  replied_at: Timestamp;
}

export interface VacationResponsesTable {
  account_id: string;
  is_enabled: Generated<boolean>;
  from_date: Timestamp | null;
  to_date: Timestamp | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
}

export interface MailboxDatabase {
  'mailbox.account_state': AccountStateTable;
  'mailbox.blobs': BlobsTable;
  'mailbox.changes': ChangesTable;
  'mailbox.email_mailboxes': EmailMailboxesTable;
  'mailbox.email_submissions': EmailSubmissionsTable;
  'mailbox.emails': EmailsTable;
  'mailbox.identities': IdentitiesTable;
  'mailbox.mailbox_counts': MailboxCountsTable;
  'mailbox.mailbox_thread_counts': MailboxThreadCountsTable;
  'mailbox.mailboxes': MailboxesTable;
  'mailbox.submission_outbox': SubmissionOutboxTable;
  'mailbox.thread_message_ids': ThreadMessageIdsTable;
  'mailbox.vacation_replies': VacationRepliesTable;
  'mailbox.vacation_responses': VacationResponsesTable;
}

import { defineMigration } from '@pushmail/platform';

/**
 * Sending (RFC 8621 §6–7): the identities an account sends as, its submissions with their delivery
 * status, and the outbox of submissions not yet handed to Kafka. Both types get a state of their own
 * and rows in the change log.
 */
export const AddSubmissions1796000000000 = defineMigration({
  name: 'AddSubmissions1796000000000',
  up: [
    `
      ALTER TABLE mailbox.account_state
        ADD COLUMN identity_modseq bigint NOT NULL DEFAULT 0,
        ADD COLUMN submission_modseq bigint NOT NULL DEFAULT 0`,
    `ALTER TABLE mailbox.changes DROP CONSTRAINT changes_type_check`,
    `
      ALTER TABLE mailbox.changes ADD CONSTRAINT changes_type_check
        CHECK (type IN ('Email', 'Mailbox', 'Thread', 'Identity', 'EmailSubmission'))`,

    `
      CREATE TABLE mailbox.identities (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES mailbox.account_state (account_id) ON DELETE CASCADE,
        name text NOT NULL DEFAULT '',
        email text NOT NULL,
        reply_to jsonb,
        bcc jsonb,
        text_signature text NOT NULL DEFAULT '',
        html_signature text NOT NULL DEFAULT '',
        may_delete boolean NOT NULL DEFAULT true,
        created_modseq bigint NOT NULL,
        updated_modseq bigint NOT NULL
      )`,
    `CREATE INDEX identities_account_idx ON mailbox.identities (account_id)`,

    `
      CREATE TABLE mailbox.email_submissions (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES mailbox.account_state (account_id) ON DELETE CASCADE,
        identity_id text NOT NULL,
        email_id text NOT NULL,
        thread_id text NOT NULL,
        envelope jsonb NOT NULL,
        send_at timestamptz NOT NULL,
        undo_status text NOT NULL,
        delivery_status jsonb NOT NULL,
        created_modseq bigint NOT NULL,
        updated_modseq bigint NOT NULL,
        CONSTRAINT email_submissions_undo_status_check CHECK (undo_status IN ('pending', 'final', 'canceled'))
      )`,
    // The hourly limit counts an account's recent submissions; queries list them by time.
    `CREATE INDEX email_submissions_account_send_at_idx ON mailbox.email_submissions (account_id, send_at, id)`,

    // Written in the submission's transaction, deleted once Kafka acknowledged the event.
    `
      CREATE TABLE mailbox.submission_outbox (
        submission_id text PRIMARY KEY,
        account_id uuid NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    `CREATE INDEX submission_outbox_created_idx ON mailbox.submission_outbox (created_at)`,
  ],
  down: [
    `DROP TABLE mailbox.submission_outbox`,
    `DROP TABLE mailbox.email_submissions`,
    `DROP TABLE mailbox.identities`,
    `DELETE FROM mailbox.changes WHERE type IN ('Identity', 'EmailSubmission')`,
    `ALTER TABLE mailbox.changes DROP CONSTRAINT changes_type_check`,
    `
      ALTER TABLE mailbox.changes ADD CONSTRAINT changes_type_check
        CHECK (type IN ('Email', 'Mailbox', 'Thread'))`,
    `ALTER TABLE mailbox.account_state DROP COLUMN identity_modseq, DROP COLUMN submission_modseq`,
  ],
});

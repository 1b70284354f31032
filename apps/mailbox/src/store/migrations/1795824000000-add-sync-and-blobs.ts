import { defineMigration } from '@pushmail/platform';
import type { QueryRunner } from 'typeorm';
import type { EmailAddressValue } from '../../mime/parse-message.js';
import { addressSortKey, subjectSortKey } from '../../mime/sort-keys.js';

const BACKFILL_BATCH = 500;

/**
 * Two-way sync: per-type states, uploaded blobs (every message's raw bytes become one), the sort
 * keys Email/query orders by, subscriptions, and the fields drafts can set.
 */
export const AddSyncAndBlobs1795824000000 = defineMigration({
  name: 'AddSyncAndBlobs1795824000000',
  up: [
    // Each type's state moves only when an object of that type changes.
    `
      ALTER TABLE mailbox.account_state
        ADD COLUMN email_modseq bigint NOT NULL DEFAULT 0,
        ADD COLUMN mailbox_modseq bigint NOT NULL DEFAULT 0,
        ADD COLUMN thread_modseq bigint NOT NULL DEFAULT 0`,
    `UPDATE mailbox.account_state SET email_modseq = modseq, mailbox_modseq = modseq, thread_modseq = modseq`,
    `
      ALTER TABLE mailbox.account_state ADD CONSTRAINT account_state_type_modseq_check CHECK (
        email_modseq <= modseq AND mailbox_modseq <= modseq AND thread_modseq <= modseq
      )`,
    // The few accounts whose last change is not announced yet, for the sweeper that repeats it.
    `CREATE INDEX account_state_unpublished_idx ON mailbox.account_state (updated_at) WHERE modseq > published_modseq`,

    // Content-addressed per account: the same bytes uploaded twice are one blob.
    `
      CREATE TABLE mailbox.blobs (
        account_id uuid NOT NULL,
        id text NOT NULL,
        type text NOT NULL,
        size integer NOT NULL,
        data bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT blobs_pkey PRIMARY KEY (account_id, id)
      )`,
    // Unreferenced blobs are pruned by age.
    `CREATE INDEX blobs_created_at_idx ON mailbox.blobs (created_at)`,

    `ALTER TABLE mailbox.emails ADD COLUMN blob_id text`,
    `
      INSERT INTO mailbox.blobs (account_id, id, type, size, data)
      SELECT account_id, 'B' || encode(sha256(raw), 'hex'), 'message/rfc822', length(raw), raw
        FROM mailbox.emails
      ON CONFLICT (account_id, id) DO NOTHING`,
    `UPDATE mailbox.emails SET blob_id = 'B' || encode(sha256(raw), 'hex')`,
    `ALTER TABLE mailbox.emails ALTER COLUMN blob_id SET NOT NULL, DROP COLUMN raw`,
    `CREATE INDEX emails_account_blob_idx ON mailbox.emails (account_id, blob_id)`,

    `
      ALTER TABLE mailbox.emails
        ADD COLUMN sender jsonb,
        ADD COLUMN bcc jsonb,
        ADD COLUMN sort_subject text NOT NULL DEFAULT '',
        ADD COLUMN sort_from text NOT NULL DEFAULT '',
        ADD COLUMN sort_to text NOT NULL DEFAULT ''`,
    backfillSortKeys,
    // A message arriving before the one it answers finds its replies through their references.
    `CREATE INDEX emails_references_idx ON mailbox.emails USING gin ("references")`,
    `CREATE INDEX emails_in_reply_to_idx ON mailbox.emails USING gin (in_reply_to)`,

    `ALTER TABLE mailbox.mailboxes ADD COLUMN is_subscribed boolean NOT NULL DEFAULT true`,
    `CREATE INDEX mailboxes_parent_idx ON mailbox.mailboxes (parent_id)`,
  ],
  down: [
    `DROP INDEX mailbox.mailboxes_parent_idx`,
    `ALTER TABLE mailbox.mailboxes DROP COLUMN is_subscribed`,
    `DROP INDEX mailbox.emails_in_reply_to_idx`,
    `DROP INDEX mailbox.emails_references_idx`,
    `
      ALTER TABLE mailbox.emails
        DROP COLUMN sender, DROP COLUMN bcc, DROP COLUMN sort_subject, DROP COLUMN sort_from, DROP COLUMN sort_to`,
    `ALTER TABLE mailbox.emails ADD COLUMN raw bytea`,
    `
      UPDATE mailbox.emails AS email SET raw = blob.data
        FROM mailbox.blobs AS blob
       WHERE blob.account_id = email.account_id AND blob.id = email.blob_id`,
    `DELETE FROM mailbox.emails WHERE raw IS NULL`,
    `DROP INDEX mailbox.emails_account_blob_idx`,
    `ALTER TABLE mailbox.emails ALTER COLUMN raw SET NOT NULL, DROP COLUMN blob_id`,
    `DROP TABLE mailbox.blobs`,
    `DROP INDEX mailbox.account_state_unpublished_idx`,
    `
      ALTER TABLE mailbox.account_state
        DROP CONSTRAINT account_state_type_modseq_check,
        DROP COLUMN email_modseq, DROP COLUMN mailbox_modseq, DROP COLUMN thread_modseq`,
  ],
});

/** In batches by id, with the same functions new mail uses, so old and new mail sort alike. */
async function backfillSortKeys(queryRunner: QueryRunner): Promise<void> {
  let after = '';
  for (;;) {
    const rows: Array<{
      id: string;
      subject: string | null;
      from: EmailAddressValue[] | null;
      to: EmailAddressValue[] | null;
    }> = await queryRunner.query(
      `SELECT id, subject, "from", "to" FROM mailbox.emails WHERE id > $1 ORDER BY id LIMIT ${BACKFILL_BATCH}`,
      [after],
    );
    if (rows.length === 0) return;
    await queryRunner.query(
      `UPDATE mailbox.emails AS email
          SET sort_subject = keys.subject, sort_from = keys.sender, sort_to = keys.recipient
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS keys (id, subject, sender, recipient)
        WHERE email.id = keys.id`,
      [
        rows.map((row) => row.id),
        rows.map((row) => subjectSortKey(row.subject)),
        rows.map((row) => addressSortKey(row.from)),
        rows.map((row) => addressSortKey(row.to)),
      ],
    );
    after = rows[rows.length - 1]!.id;
  }
}

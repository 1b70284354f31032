import { defineMigration } from '@pushmail/platform';

/**
 * The thread of a new message is found by index probes into the Message-IDs the account's emails
 * name, not by a walk of the account's emails (ADR 0054). Each email has a row for its own
 * Message-ID and one for each id its In-Reply-To and References name; the rows go with the email.
 * The backfill skips ids longer than the parser keeps (512 characters, MAX_MESSAGE_ID_LENGTH): only
 * rows stored before that cap can hold one, and no message stored since can name it, so they never
 * matched anything and a btree entry could not hold them. The indexes that served the walk go.
 */
export const AddThreadMessageIds1796500000000 = defineMigration({
  name: 'AddThreadMessageIds1796500000000',
  up: [
    `
      CREATE TABLE mailbox.thread_message_ids (
        account_id uuid NOT NULL,
        message_id text NOT NULL,
        is_reference boolean NOT NULL,
        email_id text NOT NULL
      )`,
    // Filled before its key, index and foreign key exist: each is then built or checked in one
    // pass, not row by row.
    `
      INSERT INTO mailbox.thread_message_ids (account_id, message_id, is_reference, email_id)
      SELECT DISTINCT email.account_id, named.message_id, named.is_reference, email.id
        FROM mailbox.emails AS email
        CROSS JOIN LATERAL (
          SELECT email.message_id, false WHERE email.message_id IS NOT NULL
          UNION ALL
          SELECT ref.id, true FROM jsonb_array_elements_text(coalesce(email.in_reply_to, '[]')) AS ref (id)
          UNION ALL
          SELECT ref.id, true FROM jsonb_array_elements_text(coalesce(email."references", '[]')) AS ref (id)
        ) AS named (message_id, is_reference)
       WHERE length(named.message_id) <= 512`,
    `
      ALTER TABLE mailbox.thread_message_ids
        ADD PRIMARY KEY (account_id, message_id, is_reference, email_id),
        ADD FOREIGN KEY (email_id) REFERENCES mailbox.emails (id) ON DELETE CASCADE`,
    // What the cascade of an email's delete looks its rows up by.
    `CREATE INDEX thread_message_ids_email_idx ON mailbox.thread_message_ids (email_id)`,
    `ANALYZE mailbox.thread_message_ids`,
    `DROP INDEX mailbox.emails_account_message_id_idx`,
    `DROP INDEX mailbox.emails_references_idx`,
    `DROP INDEX mailbox.emails_in_reply_to_idx`,
  ],
  down: [
    `CREATE INDEX emails_in_reply_to_idx ON mailbox.emails USING gin (in_reply_to)`,
    `CREATE INDEX emails_references_idx ON mailbox.emails USING gin ("references")`,
    `CREATE INDEX emails_account_message_id_idx ON mailbox.emails (account_id, message_id) WHERE message_id IS NOT NULL`,
    `DROP TABLE mailbox.thread_message_ids`,
  ],
});

import { defineMigration } from '@pushmail/platform';

/**
 * Which emails each mailbox holds, one row per (mailbox, email), in the order Email/query lists a
 * mailbox by default (newest first, ids ascending): the Inbox's first page is an index range read
 * of `limit` rows, whatever the mailbox holds (ADR 0053). The emails' `mailbox_ids` stays the
 * source of truth; a trigger on `emails` writes this table in the same statement as every insert,
 * change of mailboxes and delete of an email, so no writer can leave it behind.
 */
export const AddEmailMailboxes1796500500000 = defineMigration({
  name: 'AddEmailMailboxes1796500500000',
  up: [
    `
      CREATE TABLE mailbox.email_mailboxes (
        account_id uuid NOT NULL,
        mailbox_id text NOT NULL,
        received_at timestamptz NOT NULL,
        email_id text NOT NULL
      )`,
    // Only the keys set to true: what `mailbox_ids @> {"<id>": true}` matched.
    `
      CREATE FUNCTION mailbox.sync_email_mailboxes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.account_id = NEW.account_id AND OLD.id = NEW.id
            AND OLD.received_at = NEW.received_at THEN
          DELETE FROM mailbox.email_mailboxes AS m
           WHERE m.account_id = OLD.account_id AND m.received_at = OLD.received_at AND m.email_id = OLD.id
             AND m.mailbox_id IN (
               SELECT key FROM jsonb_each(OLD.mailbox_ids) WHERE value = 'true'::jsonb
               EXCEPT SELECT key FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb);
          INSERT INTO mailbox.email_mailboxes (account_id, mailbox_id, received_at, email_id)
          SELECT NEW.account_id, added.key, NEW.received_at, NEW.id
            FROM (SELECT key FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb
                  EXCEPT SELECT key FROM jsonb_each(OLD.mailbox_ids) WHERE value = 'true'::jsonb) AS added;
          RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          DELETE FROM mailbox.email_mailboxes AS m
           WHERE m.account_id = OLD.account_id AND m.received_at = OLD.received_at AND m.email_id = OLD.id
             AND m.mailbox_id IN (SELECT key FROM jsonb_each(OLD.mailbox_ids) WHERE value = 'true'::jsonb);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          INSERT INTO mailbox.email_mailboxes (account_id, mailbox_id, received_at, email_id)
          SELECT NEW.account_id, key, NEW.received_at, NEW.id
            FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb;
        END IF;
        RETURN NULL;
      END
      $$`,
    // Changing keywords (the common update: read, flagged) does not fire it.
    `
      CREATE TRIGGER emails_sync_mailboxes
        AFTER INSERT OR DELETE OR UPDATE OF account_id, id, received_at, mailbox_ids ON mailbox.emails
        FOR EACH ROW EXECUTE FUNCTION mailbox.sync_email_mailboxes()`,
    // The trigger holds off writes to the emails until this transaction commits, so the backfill
    // sees every email there will be without the trigger's rows.
    `
      INSERT INTO mailbox.email_mailboxes (account_id, mailbox_id, received_at, email_id)
      SELECT e.account_id, member.key, e.received_at, e.id
        FROM mailbox.emails AS e, jsonb_each(e.mailbox_ids) AS member
       WHERE member.value = 'true'::jsonb`,
    // Email/query's default order (receivedAt descending, the id breaking ties ascending); also
    // how the trigger finds an email's rows, and what makes each membership unique.
    `
      CREATE UNIQUE INDEX email_mailboxes_order_key
        ON mailbox.email_mailboxes (account_id, mailbox_id, received_at DESC, email_id)`,
  ],
  down: [
    `DROP TRIGGER emails_sync_mailboxes ON mailbox.emails`,
    `DROP FUNCTION mailbox.sync_email_mailboxes()`,
    `DROP TABLE mailbox.email_mailboxes`,
  ],
});

import { defineMigration } from '@pushmail/platform';

/**
 * The trigger function of ADR 0056, writing each row's sort keys as well. An email's sort keys are
 * never changed by the service; when a writer does change one, its rows are written anew.
 */
const SYNC_WITH_SORT_KEYS = `
  CREATE OR REPLACE FUNCTION mailbox.sync_email_mailboxes() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' AND OLD.account_id = NEW.account_id AND OLD.id = NEW.id
        AND OLD.received_at = NEW.received_at AND OLD.thread_id = NEW.thread_id
        AND OLD.sent_at IS NOT DISTINCT FROM NEW.sent_at
        AND OLD.sort_from = NEW.sort_from AND OLD.sort_subject = NEW.sort_subject THEN
      DELETE FROM mailbox.email_mailboxes AS m
       WHERE m.account_id = OLD.account_id AND m.received_at = OLD.received_at AND m.email_id = OLD.id
         AND m.mailbox_id IN (
           SELECT key FROM jsonb_each(OLD.mailbox_ids) WHERE value = 'true'::jsonb
           EXCEPT SELECT key FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb);
      INSERT INTO mailbox.email_mailboxes
             (account_id, mailbox_id, received_at, email_id, thread_id, sent_at, sort_from, sort_subject)
      SELECT NEW.account_id, added.key, NEW.received_at, NEW.id, NEW.thread_id,
             coalesce(NEW.sent_at, '-infinity'), NEW.sort_from, NEW.sort_subject
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
      INSERT INTO mailbox.email_mailboxes
             (account_id, mailbox_id, received_at, email_id, thread_id, sent_at, sort_from, sort_subject)
      SELECT NEW.account_id, key, NEW.received_at, NEW.id, NEW.thread_id,
             coalesce(NEW.sent_at, '-infinity'), NEW.sort_from, NEW.sort_subject
        FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb;
    END IF;
    RETURN NULL;
  END
  $$`;

/** The function as migration 1796600500000 wrote it. */
const SYNC_WITH_THREAD = `
  CREATE OR REPLACE FUNCTION mailbox.sync_email_mailboxes() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' AND OLD.account_id = NEW.account_id AND OLD.id = NEW.id
        AND OLD.received_at = NEW.received_at AND OLD.thread_id = NEW.thread_id THEN
      DELETE FROM mailbox.email_mailboxes AS m
       WHERE m.account_id = OLD.account_id AND m.received_at = OLD.received_at AND m.email_id = OLD.id
         AND m.mailbox_id IN (
           SELECT key FROM jsonb_each(OLD.mailbox_ids) WHERE value = 'true'::jsonb
           EXCEPT SELECT key FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb);
      INSERT INTO mailbox.email_mailboxes (account_id, mailbox_id, received_at, email_id, thread_id)
      SELECT NEW.account_id, added.key, NEW.received_at, NEW.id, NEW.thread_id
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
      INSERT INTO mailbox.email_mailboxes (account_id, mailbox_id, received_at, email_id, thread_id)
      SELECT NEW.account_id, key, NEW.received_at, NEW.id, NEW.thread_id
        FROM jsonb_each(NEW.mailbox_ids) WHERE value = 'true'::jsonb;
    END IF;
    RETURN NULL;
  END
  $$`;

const TRIGGER_WITH_SORT_KEYS = `
  CREATE TRIGGER emails_sync_mailboxes
    AFTER INSERT OR DELETE
       OR UPDATE OF account_id, id, received_at, mailbox_ids, thread_id, sent_at, sort_from, sort_subject
    ON mailbox.emails
    FOR EACH ROW EXECUTE FUNCTION mailbox.sync_email_mailboxes()`;

const TRIGGER_WITH_THREAD = `
  CREATE TRIGGER emails_sync_mailboxes
    AFTER INSERT OR DELETE OR UPDATE OF account_id, id, received_at, mailbox_ids, thread_id ON mailbox.emails
    FOR EACH ROW EXECUTE FUNCTION mailbox.sync_email_mailboxes()`;

/**
 * Each row of email_mailboxes carries its email's sentAt, from and subject sort keys, and one index
 * per key lists a mailbox in that order: Email/query of one mailbox sorted by sentAt, from or
 * subject reads a page as a range of an index, and finds an anchor (or queryChanges' added emails)
 * by its key and a count of the range before it (ADR 0095). A missing sentAt is stored as
 * -infinity, where Email/query puts it (first ascending, last descending), so the keys compare
 * without NULLs; the index puts NULLs first so that a backward scan is the descending order.
 */
export const AddEmailMailboxesSortKeys1796700000000 = defineMigration({
  name: 'AddEmailMailboxesSortKeys1796700000000',
  up: [
    // Writers of emails wait for the commit, and then run the new trigger function.
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `
      ALTER TABLE mailbox.email_mailboxes
        ADD COLUMN sent_at timestamptz, ADD COLUMN sort_from text, ADD COLUMN sort_subject text`,
    `
      UPDATE mailbox.email_mailboxes AS m
         SET sent_at = coalesce(e.sent_at, '-infinity'), sort_from = e.sort_from, sort_subject = e.sort_subject
        FROM mailbox.emails AS e WHERE e.account_id = m.account_id AND e.id = m.email_id`,
    `
      ALTER TABLE mailbox.email_mailboxes
        ALTER COLUMN sent_at SET NOT NULL, ALTER COLUMN sort_from SET NOT NULL,
        ALTER COLUMN sort_subject SET NOT NULL`,
    SYNC_WITH_SORT_KEYS,
    `DROP TRIGGER emails_sync_mailboxes ON mailbox.emails`,
    TRIGGER_WITH_SORT_KEYS,
    `
      CREATE INDEX email_mailboxes_sent_idx
        ON mailbox.email_mailboxes (account_id, mailbox_id, sent_at NULLS FIRST, email_id)`,
    `
      CREATE INDEX email_mailboxes_from_idx
        ON mailbox.email_mailboxes (account_id, mailbox_id, sort_from, email_id)`,
    `
      CREATE INDEX email_mailboxes_subject_idx
        ON mailbox.email_mailboxes (account_id, mailbox_id, sort_subject, email_id)`,
  ],
  down: [
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `DROP INDEX mailbox.email_mailboxes_subject_idx`,
    `DROP INDEX mailbox.email_mailboxes_from_idx`,
    `DROP INDEX mailbox.email_mailboxes_sent_idx`,
    `DROP TRIGGER emails_sync_mailboxes ON mailbox.emails`,
    SYNC_WITH_THREAD,
    TRIGGER_WITH_THREAD,
    `
      ALTER TABLE mailbox.email_mailboxes
        DROP COLUMN sent_at, DROP COLUMN sort_from, DROP COLUMN sort_subject`,
  ],
});

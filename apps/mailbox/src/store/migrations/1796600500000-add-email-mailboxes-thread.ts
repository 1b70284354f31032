import { defineMigration } from '@pushmail/platform';

/** The trigger function of ADR 0053, writing each row's thread as well. */
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

/** The function as migration 1796500500000 wrote it. */
const SYNC_WITHOUT_THREAD = `
  CREATE OR REPLACE FUNCTION mailbox.sync_email_mailboxes() RETURNS trigger LANGUAGE plpgsql AS $$
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
  $$`;

/**
 * Each row of email_mailboxes carries its email's thread, and an index finds the rows of one thread
 * in one mailbox in Email/query's default order: a collapsed listing (collapseThreads) walks the
 * mailbox in order and keeps an email when no earlier email of its thread is a result, one index
 * probe per email, instead of reading the whole mailbox to pick each thread's first (ADR 0056).
 */
export const AddEmailMailboxesThread1796600500000 = defineMigration({
  name: 'AddEmailMailboxesThread1796600500000',
  up: [
    // Writers of emails wait for the commit, and then run the new trigger function: no row is
    // written without its thread meanwhile.
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `ALTER TABLE mailbox.email_mailboxes ADD COLUMN thread_id text`,
    `
      UPDATE mailbox.email_mailboxes AS m SET thread_id = e.thread_id
        FROM mailbox.emails AS e WHERE e.id = m.email_id`,
    `ALTER TABLE mailbox.email_mailboxes ALTER COLUMN thread_id SET NOT NULL`,
    SYNC_WITH_THREAD,
    `DROP TRIGGER emails_sync_mailboxes ON mailbox.emails`,
    `
      CREATE TRIGGER emails_sync_mailboxes
        AFTER INSERT OR DELETE OR UPDATE OF account_id, id, received_at, mailbox_ids, thread_id ON mailbox.emails
        FOR EACH ROW EXECUTE FUNCTION mailbox.sync_email_mailboxes()`,
    `
      CREATE INDEX email_mailboxes_thread_idx
        ON mailbox.email_mailboxes (account_id, mailbox_id, thread_id, received_at DESC, email_id)`,
  ],
  down: [
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `DROP INDEX mailbox.email_mailboxes_thread_idx`,
    `DROP TRIGGER emails_sync_mailboxes ON mailbox.emails`,
    SYNC_WITHOUT_THREAD,
    `
      CREATE TRIGGER emails_sync_mailboxes
        AFTER INSERT OR DELETE OR UPDATE OF account_id, id, received_at, mailbox_ids ON mailbox.emails
        FOR EACH ROW EXECUTE FUNCTION mailbox.sync_email_mailboxes()`,
    `ALTER TABLE mailbox.email_mailboxes DROP COLUMN thread_id`,
  ],
});

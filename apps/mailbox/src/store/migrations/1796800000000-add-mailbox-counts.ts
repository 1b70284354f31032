import { defineMigration } from '@pushmail/platform';

/** Neither `$seen` nor `$draft` (RFC 8621 §2.1, unreadEmails). */
const UNREAD = `(NOT {e}.keywords ?| array['$seen', '$draft'])`;

/**
 * The (account, mailbox, thread, emails, unread) an email `e` counts for, `sign` times, in each of
 * its mailboxes `m`: `from` names both (a table's rows, or one version of a row in the trigger).
 */
function contributions(e: string, from: string, sign: 1 | -1 = 1): string {
  return `SELECT ${e}.account_id AS account_id, m.key AS mailbox_id, ${e}.thread_id AS thread_id,
                 ${sign} AS emails, ${sign} * ${UNREAD.replace('{e}', e)}::int AS unread
            FROM ${from}
           WHERE m.value = 'true'::jsonb`;
}

/** One version of the row in the trigger (`NEW` or `OLD`), counted `sign` times. */
function rowContributions(row: 'NEW' | 'OLD', sign: 1 | -1): string {
  return contributions(row, `jsonb_each(${row}.mailbox_ids) AS m`, sign);
}

/**
 * The trigger function: the counts move by what the row's new version adds and its old version
 * removes, per mailbox and thread. A thread counts in a mailbox while it has an email there, and as
 * unread while one of those is unread: a thread's row before the change is its row after, less the
 * change. Only mailboxes that exist are counted (a whole account deleted at once removes its
 * mailboxes and emails in one cascade). A thread with no email left in a mailbox loses its row.
 */
const COUNT_EMAIL = `
  CREATE FUNCTION mailbox.count_email() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    WITH contributions AS (
      SELECT * FROM (${rowContributions('NEW', 1)}) AS added WHERE TG_OP <> 'DELETE'
      UNION ALL
      SELECT * FROM (${rowContributions('OLD', -1)}) AS removed WHERE TG_OP <> 'INSERT'
    ), delta AS (
      SELECT c.mailbox_id, c.thread_id, sum(c.emails)::int AS emails, sum(c.unread)::int AS unread
        FROM contributions AS c
        JOIN mailbox.mailboxes AS mb ON mb.id = c.mailbox_id AND mb.account_id = c.account_id
       GROUP BY c.mailbox_id, c.thread_id
      HAVING sum(c.emails) <> 0 OR sum(c.unread) <> 0
    ), threads AS (
      INSERT INTO mailbox.mailbox_thread_counts AS t (mailbox_id, thread_id, emails, unread)
      SELECT mailbox_id, thread_id, emails, unread FROM delta
      ON CONFLICT (mailbox_id, thread_id) DO UPDATE
         SET emails = t.emails + EXCLUDED.emails, unread = t.unread + EXCLUDED.unread
      RETURNING t.mailbox_id, t.thread_id, t.emails, t.unread
    ), per_mailbox AS (
      SELECT th.mailbox_id, sum(d.emails)::int AS emails, sum(d.unread)::int AS unread,
             sum((th.emails > 0)::int - (th.emails - d.emails > 0)::int)::int AS threads,
             sum((th.unread > 0)::int - (th.unread - d.unread > 0)::int)::int AS unread_threads
        FROM threads AS th JOIN delta AS d USING (mailbox_id, thread_id)
       GROUP BY th.mailbox_id
    )
    INSERT INTO mailbox.mailbox_counts AS c (mailbox_id, total_emails, unread_emails, total_threads, unread_threads)
    SELECT mailbox_id, emails, unread, threads, unread_threads FROM per_mailbox
    ON CONFLICT (mailbox_id) DO UPDATE
       SET total_emails = c.total_emails + EXCLUDED.total_emails,
           unread_emails = c.unread_emails + EXCLUDED.unread_emails,
           total_threads = c.total_threads + EXCLUDED.total_threads,
           unread_threads = c.unread_threads + EXCLUDED.unread_threads;
    IF TG_OP <> 'INSERT' THEN
      DELETE FROM mailbox.mailbox_thread_counts AS t
       USING (${rowContributions('OLD', -1)}) AS touched
       WHERE t.mailbox_id = touched.mailbox_id AND t.thread_id = touched.thread_id AND t.emails = 0;
    END IF;
    RETURN NULL;
  END
  $$`;

/**
 * Mailbox/get's counts (totalEmails, unreadEmails, totalThreads, unreadThreads) kept per mailbox as
 * the emails change, instead of counted from every email of the account on each read (ADR 0102).
 * Every delivery changes the Inbox's counts, and a JMAP client reads them again after each push: a
 * read that joined the account's emails grew with the mailbox. The trigger is per row and fires only
 * for an insert, a delete, or an update that moves an email's mailboxes, keywords or thread: the
 * updates that fill an email's stored body parts or bump its modseq do not run it. Both tables are
 * written in place, with room left on their pages for HOT updates.
 */
export const AddMailboxCounts1796800000000 = defineMigration({
  name: 'AddMailboxCounts1796800000000',
  up: [
    // Writers of emails wait for the commit; the counts are filled from what they had written.
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `
      CREATE TABLE mailbox.mailbox_thread_counts (
        mailbox_id text NOT NULL REFERENCES mailbox.mailboxes (id) ON DELETE CASCADE,
        thread_id text NOT NULL,
        emails integer NOT NULL,
        unread integer NOT NULL,
        PRIMARY KEY (mailbox_id, thread_id)
      ) WITH (fillfactor = 80)`,
    `
      CREATE TABLE mailbox.mailbox_counts (
        mailbox_id text PRIMARY KEY REFERENCES mailbox.mailboxes (id) ON DELETE CASCADE,
        total_emails integer NOT NULL,
        unread_emails integer NOT NULL,
        total_threads integer NOT NULL,
        unread_threads integer NOT NULL
      ) WITH (fillfactor = 50)`,
    `
      INSERT INTO mailbox.mailbox_thread_counts (mailbox_id, thread_id, emails, unread)
      SELECT c.mailbox_id, c.thread_id, sum(c.emails), sum(c.unread)
        FROM (${contributions('e', 'mailbox.emails AS e CROSS JOIN LATERAL jsonb_each(e.mailbox_ids) AS m')}) AS c
        JOIN mailbox.mailboxes AS mb ON mb.id = c.mailbox_id AND mb.account_id = c.account_id
       GROUP BY c.mailbox_id, c.thread_id`,
    `
      INSERT INTO mailbox.mailbox_counts (mailbox_id, total_emails, unread_emails, total_threads, unread_threads)
      SELECT mailbox_id, sum(emails), sum(unread), count(*), count(*) FILTER (WHERE unread > 0)
        FROM mailbox.mailbox_thread_counts GROUP BY mailbox_id`,
    COUNT_EMAIL,
    `
      CREATE TRIGGER emails_count_mailboxes AFTER INSERT OR DELETE ON mailbox.emails
        FOR EACH ROW EXECUTE FUNCTION mailbox.count_email()`,
    `
      CREATE TRIGGER emails_count_mailboxes_moved
        AFTER UPDATE OF account_id, mailbox_ids, keywords, thread_id ON mailbox.emails
        FOR EACH ROW
        WHEN (OLD.mailbox_ids IS DISTINCT FROM NEW.mailbox_ids OR OLD.keywords IS DISTINCT FROM NEW.keywords
              OR OLD.thread_id IS DISTINCT FROM NEW.thread_id OR OLD.account_id IS DISTINCT FROM NEW.account_id)
        EXECUTE FUNCTION mailbox.count_email()`,
  ],
  down: [
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `DROP TRIGGER emails_count_mailboxes_moved ON mailbox.emails`,
    `DROP TRIGGER emails_count_mailboxes ON mailbox.emails`,
    `DROP FUNCTION mailbox.count_email()`,
    `DROP TABLE mailbox.mailbox_counts`,
    `DROP TABLE mailbox.mailbox_thread_counts`,
  ],
});

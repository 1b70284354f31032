import { defineMigration } from '@pushmail/platform';

/** Neither `$seen` nor `$draft` (RFC 8621 §2.1, unreadEmails). */
const UNREAD = `(NOT {e}.keywords ?| array['$seen', '$draft'])`;

/** The (account, mailbox, thread, emails, unread) an email version counts for in each of its mailboxes. */
function contributions(table: string, sign: 1 | -1): string {
  const unread = UNREAD.replace('{e}', 'e');
  return `SELECT e.account_id, m.key AS mailbox_id, e.thread_id, ${sign} AS emails,
                 ${sign} * ${unread}::int AS unread
            FROM ${table} AS e CROSS JOIN LATERAL jsonb_each(e.mailbox_ids) AS m
           WHERE m.value = 'true'::jsonb`;
}

/**
 * One statement-level trigger function: the counts move by what the statement's rows added and
 * removed (`contributions` of the new and old versions), per mailbox and thread. A thread counts in
 * a mailbox while it has an email there, and as unread while one of those is unread: a thread's row
 * before the change is its row after, less the change. Only mailboxes that exist are counted (a
 * whole account deleted at once removes its mailboxes and emails in one cascade). Rows of threads
 * with no email left in a mailbox are removed.
 */
function countingFunction(name: string, added: string | null, removed: string | null): string {
  const parts = [added && contributions(added, 1), removed && contributions(removed, -1)].filter(Boolean);
  const emptied = removed
    ? `
    DELETE FROM mailbox.mailbox_thread_counts AS t
     USING (SELECT m.key AS mailbox_id, e.thread_id
              FROM ${removed} AS e CROSS JOIN LATERAL jsonb_each(e.mailbox_ids) AS m
             WHERE m.value = 'true'::jsonb) AS touched
     WHERE t.mailbox_id = touched.mailbox_id AND t.thread_id = touched.thread_id AND t.emails = 0;`
    : '';
  return `
  CREATE FUNCTION mailbox.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    WITH delta AS (
      SELECT c.mailbox_id, c.thread_id, sum(c.emails)::int AS emails, sum(c.unread)::int AS unread
        FROM (${parts.join('\n UNION ALL ')}) AS c
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
           unread_threads = c.unread_threads + EXCLUDED.unread_threads;${emptied}
    RETURN NULL;
  END
  $$`;
}

/**
 * Mailbox/get's counts (totalEmails, unreadEmails, totalThreads, unreadThreads) kept per mailbox as
 * the emails change, instead of counted from every email of the account on each read (ADR 0102).
 * Every delivery changes the Inbox's counts, and a JMAP client reads them again after each push: a
 * read that joined the account's emails grew with the mailbox. The triggers are per statement, with
 * the statement's old and new rows as transition tables (which a trigger with a column list cannot
 * have, so an update of any column runs it; one that moves no mailbox, keyword or thread finds no
 * change to apply). Both tables are written in place, with room left on their pages for HOT updates.
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
        FROM (${contributions('mailbox.emails', 1)}) AS c
        JOIN mailbox.mailboxes AS mb ON mb.id = c.mailbox_id AND mb.account_id = c.account_id
       GROUP BY c.mailbox_id, c.thread_id`,
    `
      INSERT INTO mailbox.mailbox_counts (mailbox_id, total_emails, unread_emails, total_threads, unread_threads)
      SELECT mailbox_id, sum(emails), sum(unread), count(*), count(*) FILTER (WHERE unread > 0)
        FROM mailbox.mailbox_thread_counts GROUP BY mailbox_id`,
    countingFunction('count_inserted_emails', 'inserted', null),
    countingFunction('count_updated_emails', 'updated', 'previous'),
    countingFunction('count_deleted_emails', null, 'deleted'),
    `
      CREATE TRIGGER emails_count_inserted AFTER INSERT ON mailbox.emails
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION mailbox.count_inserted_emails()`,
    `
      CREATE TRIGGER emails_count_updated AFTER UPDATE ON mailbox.emails
        REFERENCING OLD TABLE AS previous NEW TABLE AS updated
        FOR EACH STATEMENT EXECUTE FUNCTION mailbox.count_updated_emails()`,
    `
      CREATE TRIGGER emails_count_deleted AFTER DELETE ON mailbox.emails
        REFERENCING OLD TABLE AS deleted
        FOR EACH STATEMENT EXECUTE FUNCTION mailbox.count_deleted_emails()`,
  ],
  down: [
    `LOCK TABLE mailbox.emails IN SHARE ROW EXCLUSIVE MODE`,
    `DROP TRIGGER emails_count_deleted ON mailbox.emails`,
    `DROP TRIGGER emails_count_updated ON mailbox.emails`,
    `DROP TRIGGER emails_count_inserted ON mailbox.emails`,
    `DROP FUNCTION mailbox.count_deleted_emails()`,
    `DROP FUNCTION mailbox.count_updated_emails()`,
    `DROP FUNCTION mailbox.count_inserted_emails()`,
    `DROP TABLE mailbox.mailbox_counts`,
    `DROP TABLE mailbox.mailbox_thread_counts`,
  ],
});

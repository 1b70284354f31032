/**
 * Mailbox/get's counts as they were read before they were kept (ADR 0102): every email of the
 * account joined to its mailboxes. What the kept counts must equal, for the specs and the benchmark.
 */
export const COUNTED_FROM_EMAILS = `
  SELECT mailbox.id, mailbox.name, mailbox.parent_id, mailbox.role, mailbox.sort_order, mailbox.is_subscribed,
         count(email.id)::int AS total_emails,
         count(email.id) FILTER (WHERE NOT email.keywords ?| array['$seen', '$draft'])::int AS unread_emails,
         count(DISTINCT email.thread_id)::int AS total_threads,
         count(DISTINCT email.thread_id) FILTER (WHERE NOT email.keywords ?| array['$seen', '$draft'])::int AS unread_threads
    FROM mailbox.mailboxes AS mailbox
    LEFT JOIN mailbox.emails AS email
      ON email.account_id = mailbox.account_id AND email.mailbox_ids @> jsonb_build_object(mailbox.id, true)
   WHERE mailbox.account_id = $1 AND ($2::text[] IS NULL OR mailbox.id = ANY($2::text[]))
   GROUP BY mailbox.id
   ORDER BY mailbox.sort_order, mailbox.name`;

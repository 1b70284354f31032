import { defineMigration } from '@pushmail/platform';

/** Delayed sending: the release pass looks up the due pending submissions every second. */
export const IndexPendingSubmissions1796300000000 = defineMigration({
  name: 'IndexPendingSubmissions1796300000000',
  up: [
    `CREATE INDEX email_submissions_pending_idx ON mailbox.email_submissions (send_at)
      WHERE undo_status = 'pending'`,
  ],
  down: [`DROP INDEX mailbox.email_submissions_pending_idx`],
});

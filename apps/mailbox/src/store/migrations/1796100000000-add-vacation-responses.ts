import { defineMigration } from '@pushmail/platform';

/**
 * VacationResponse (RFC 8621 §8): the one per account, with a state of its own, and the senders
 * answered, so that each is answered at most once per period (RFC 3834 §2).
 */
export const AddVacationResponses1796100000000 = defineMigration({
  name: 'AddVacationResponses1796100000000',
  up: [
    `
      CREATE TABLE mailbox.vacation_responses (
        account_id uuid PRIMARY KEY REFERENCES mailbox.account_state (account_id) ON DELETE CASCADE,
        is_enabled boolean NOT NULL DEFAULT false,
        from_date timestamptz,
        to_date timestamptz,
        subject text,
        text_body text,
        html_body text,
        state bigint NOT NULL DEFAULT 0
      )`,
    `
      CREATE TABLE mailbox.vacation_replies (
        account_id uuid NOT NULL REFERENCES mailbox.account_state (account_id) ON DELETE CASCADE,
        sender text NOT NULL,
        replied_at timestamptz NOT NULL,
        PRIMARY KEY (account_id, sender)
      )`,
  ],
  down: ['DROP TABLE mailbox.vacation_replies', 'DROP TABLE mailbox.vacation_responses'],
});

import { defineMigration } from '@pushmail/platform';

/**
 * A delivery's first two statements in one: the account's lock (its state row, created on the
 * account's first change) and, read after the lock is granted, which of the batch's deliveries the
 * account already has, its mailboxes by role and whether it is on vacation. A VOLATILE function
 * reads each of its statements in a snapshot of its own (READ COMMITTED), so the second sees what
 * the writer that held the lock before it committed, as the second of two statements did.
 */
const LOCK_FOR_DELIVERY = `
  CREATE FUNCTION mailbox.lock_for_delivery(p_account_id uuid, p_delivery_ids text[])
  RETURNS TABLE (
    modseq bigint, email_modseq bigint, mailbox_modseq bigint, thread_modseq bigint,
    identity_modseq bigint, submission_modseq bigint, delivery_modseq bigint, vacation_modseq bigint,
    changes_horizon bigint, published_modseq bigint,
    known text[], roles json, vacation_enabled boolean
  )
  LANGUAGE plpgsql VOLATILE AS $$
  BEGIN
    PERFORM FROM mailbox.account_state AS s WHERE s.account_id = p_account_id FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO mailbox.account_state (account_id) VALUES (p_account_id) ON CONFLICT (account_id) DO NOTHING;
      PERFORM FROM mailbox.account_state AS s WHERE s.account_id = p_account_id FOR UPDATE;
    END IF;
    RETURN QUERY
      SELECT s.modseq, s.email_modseq, s.mailbox_modseq, s.thread_modseq, s.identity_modseq,
             s.submission_modseq, s.delivery_modseq, s.vacation_modseq, s.changes_horizon,
             s.published_modseq,
             ARRAY(SELECT e.delivery_id FROM mailbox.emails AS e
                    WHERE e.account_id = p_account_id AND e.delivery_id = ANY(p_delivery_ids)),
             (SELECT json_object_agg(m.role, m.id) FROM mailbox.mailboxes AS m
               WHERE m.account_id = p_account_id AND m.role IS NOT NULL),
             EXISTS (SELECT FROM mailbox.vacation_responses AS v
                      WHERE v.account_id = p_account_id AND v.is_enabled)
        FROM mailbox.account_state AS s
       WHERE s.account_id = p_account_id;
  END
  $$`;

export const AddLockForDelivery1796900000000 = defineMigration({
  name: 'AddLockForDelivery1796900000000',
  up: [LOCK_FOR_DELIVERY],
  down: [`DROP FUNCTION mailbox.lock_for_delivery(uuid, text[])`],
});

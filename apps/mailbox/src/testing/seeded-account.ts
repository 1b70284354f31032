import { mailboxIdsByRole } from '@pushmail/testing';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { mailArrivedEvent, rawMessage } from './mail-fixtures.js';
import type { MailboxTestApp } from './mailbox-harness.js';

/**
 * Delivers one message (of subject `subject`) to `accountId`, which makes the account and its
 * mailboxes: the message's email id (a row to copy a large mailbox from) and the account's mailbox
 * ids by role.
 */
export async function seedAccount(
  harness: MailboxTestApp,
  accountId: string,
  subject = 'seed',
): Promise<{ seed: string; roles: Record<string, string> }> {
  const stored = await harness.app
    .get(StoreDeliveryUseCase)
    .execute([mailArrivedEvent(accountId, rawMessage({ subject }))]);
  const roles = mailboxIdsByRole(await harness.jmapMethod(accountId, 'Mailbox/get', { ids: null }));
  return { seed: stored.changes[0]!.createdEmailIds[0]!, roles };
}

/**
 * Makes the seed's account a large mailbox: `size - 1` copies of the seed row, numbered g from 1,
 * each with the columns `fields` sets (the arguments of a jsonb_build_object over g, $1 the account,
 * $2 the seed, $3 the size and `params` from $4 on); then vacuums and analyzes the tables the
 * queries read, so that the plans are those of a mailbox of that size.
 */
export async function copySeed(
  harness: MailboxTestApp,
  copy: { accountId: string; seed: string; size: number; fields: string; params?: unknown[] },
): Promise<void> {
  await harness.db.query(
    `INSERT INTO mailbox.emails
     SELECT (jsonb_populate_record(e, jsonb_build_object(${copy.fields}))).*
       FROM mailbox.emails AS e, generate_series(1, $3::int - 1) AS g
      WHERE e.id = $2`,
    [copy.accountId, copy.seed, copy.size, ...(copy.params ?? [])],
  );
  await harness.db.query('VACUUM ANALYZE mailbox.emails');
  await harness.db.query('VACUUM ANALYZE mailbox.email_mailboxes');
}

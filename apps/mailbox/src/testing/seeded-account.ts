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
 * Makes `accountId` an account of `size` emails, for what a query costs in a large mailbox: one
 * delivered message (see {@link seedAccount}) and `size - 1` copies of its row, numbered g from 1,
 * each with the columns `fields` sets (the arguments of a jsonb_build_object over g, $1 the account,
 * $2 the seed, $3 the size and from $4 on the `params` given the account's mailbox ids by role).
 * Then vacuums and analyzes the tables the queries read, so that the plans are those of a mailbox
 * of that size. Answers the account's mailbox ids by role.
 */
export async function largeAccount(
  harness: MailboxTestApp,
  accountId: string,
  copies: { size: number; fields: string; params?: (roles: Record<string, string>) => unknown[] },
): Promise<Record<string, string>> {
  const { seed, roles } = await seedAccount(harness, accountId);
  await harness.db.query(
    `INSERT INTO mailbox.emails
     SELECT (jsonb_populate_record(e, jsonb_build_object(${copies.fields}))).*
       FROM mailbox.emails AS e, generate_series(1, $3::int - 1) AS g
      WHERE e.id = $2`,
    [accountId, seed, copies.size, ...(copies.params?.(roles) ?? [])],
  );
  await harness.db.query('VACUUM ANALYZE mailbox.emails');
  await harness.db.query('VACUUM ANALYZE mailbox.email_mailboxes');
  return roles;
}

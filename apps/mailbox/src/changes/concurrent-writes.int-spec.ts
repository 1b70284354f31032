import { randomUUID } from 'node:crypto';
import type { MailArrivedV1 } from '@pushmail/contracts';
import type { Invocation } from '@pushmail/jmap';
import { mailboxIdsByRole } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDraft } from '../testing/drafts.js';
import { mailArrivedEvent, rawMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';

const ROUNDS = 80;

/**
 * A device's writes and deliveries of the same accounts at the same time: each writing path takes
 * the account's row first, so none of them waits for another in a cycle (a deadlock would answer the
 * device serverFail, or fail the delivery batch).
 */
describe('concurrent writes of one account', () => {
  let harness: MailboxTestApp;
  let deliveries: StoreDeliveryUseCase;
  const accountId = randomUUID();
  const otherId = randomUUID();
  const address = `carol-${accountId.slice(0, 8)}@example.com`;
  let roles: Record<string, string>;
  let otherRoles: Record<string, string>;
  let identityId: string;
  let emails: string[];
  let otherEmails: string[];

  const account = () => harness.sender(accountId, address);
  /** The deliveries this spec made (a bounce of a submission may arrive as well). */
  const delivered: string[] = [];
  const deliver = (events: MailArrivedV1[]) => {
    delivered.push(...events.map((event) => event.deliveryId));
    return deliveries.execute(events);
  };
  const answered = (responses: Invocation[]) => responses.map(([name]) => name);

  beforeAll(async () => {
    harness = await startMailboxApp();
    deliveries = harness.app.get(StoreDeliveryUseCase);
    const seeded = await deliver([
      ...[1, 2, 3, 4].map((n) => mailArrivedEvent(accountId, rawMessage({ subject: `seed ${n}` }))),
      ...[1, 2, 3, 4].map((n) => mailArrivedEvent(otherId, rawMessage({ subject: `other ${n}` }))),
    ]);
    emails = seeded.changes.find((change) => change.accountId === accountId)!.createdEmailIds;
    otherEmails = seeded.changes.find((change) => change.accountId === otherId)!.createdEmailIds;
    roles = mailboxIdsByRole(await account().method('Mailbox/get', { ids: null }));
    otherRoles = mailboxIdsByRole(await harness.jmapMethod(otherId, 'Mailbox/get', { ids: null }));
    const identities = await account().method('Identity/get', { ids: null });
    identityId = (identities['list'] as Array<{ id: string }>)[0]!.id;
  });

  afterAll(async () => {
    await harness?.close();
  });

  /** Flags and moves every seeded email of the account, in an order that differs per call. */
  const flagAndMove = (id: string, ids: string[], mailboxes: Record<string, string>, round: number) => {
    const order = round % 2 === 0 ? ids : [...ids].reverse();
    const update = Object.fromEntries(
      order.map((emailId, index) => [
        emailId,
        {
          'keywords/$seen': (round + index) % 2 === 0 ? true : null,
          mailboxIds: { [(round + index) % 3 === 0 ? mailboxes['archive']! : mailboxes['inbox']!]: true },
        },
      ]),
    );
    return harness.jmap(id, [['Email/set', { accountId: id, update }, 'c']]);
  };

  /** Deadlocks PostgreSQL detected in the test's database, retried or not. */
  const deadlocks = async (): Promise<number> => {
    const { rows } = await harness.db.query<{ deadlocks: string }>(
      'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]!.deadlocks);
  };

  it('answers every Email/set and EmailSubmission/set and stores every delivery', async () => {
    const failures: string[] = [];
    const deadlocksBefore = await deadlocks();
    for (let round = 0; round < ROUNDS; round += 1) {
      const draftId = await createDraft(account(), {
        draftsId: roles['drafts']!,
        from: address,
        subject: `draft ${round}`,
      });
      const calls = await Promise.allSettled([
        flagAndMove(accountId, emails, roles, round),
        flagAndMove(otherId, otherEmails, otherRoles, round + 1),
        account().call([
          [
            'EmailSubmission/set',
            {
              accountId,
              create: { s: { identityId, emailId: draftId } },
              onSuccessUpdateEmail: { '#s': { 'keywords/$flagged': true } },
            },
            's',
          ],
        ]),
        // Two batches naming both accounts, one each way round.
        deliver([
          mailArrivedEvent(accountId, rawMessage({ subject: `round ${round} a` })),
          mailArrivedEvent(otherId, rawMessage({ subject: `round ${round} b` })),
        ]),
        deliver([
          mailArrivedEvent(otherId, rawMessage({ subject: `round ${round} c` })),
          mailArrivedEvent(accountId, rawMessage({ subject: `round ${round} d` })),
        ]),
      ]);
      calls.forEach((call, index) => {
        if (call.status === 'rejected') failures.push(`round ${round} call ${index}: ${String(call.reason)}`);
        else if (index < 3) {
          const names = answered(call.value as Invocation[]);
          const expected = index < 2 ? ['Email/set'] : ['EmailSubmission/set', 'Email/set'];
          if (JSON.stringify(names) !== JSON.stringify(expected))
            failures.push(`round ${round} call ${index}: ${JSON.stringify(call.value)}`);
        }
      });
    }
    expect(failures).toEqual([]);
    // Not one retried either: backends report their counts within a second of going idle.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await deadlocks()).toBe(deadlocksBefore);

    const { rows } = await harness.db.query<{ account_id: string; count: number }>(
      `SELECT account_id, count(*)::int AS count FROM mailbox.emails
        WHERE account_id = ANY($1::uuid[]) AND delivery_id = ANY($2::text[]) GROUP BY account_id`,
      [[accountId, otherId], delivered],
    );
    expect(Object.fromEntries(rows.map((row) => [row.account_id, row.count]))).toEqual({
      [accountId]: 4 + 2 * ROUNDS,
      [otherId]: 4 + 2 * ROUNDS,
    });
  });
});

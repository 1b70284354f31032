import { randomUUID } from 'node:crypto';
import { mailboxIdsByRole } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailArrivedEvent, rawMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../../usecases/store-delivery/store-delivery.usecase.js';
import { EmailMethods } from '../methods/email.methods.js';

interface StoredEmail {
  id: string;
  threadId: string;
  mailboxIds: Record<string, boolean>;
  keywords: Record<string, boolean>;
  receivedAt: string;
}

interface MailboxCounts {
  id: string;
  totalEmails: number;
  unreadEmails: number;
  totalThreads: number;
  unreadThreads: number;
}

/** The order Email/query lists by default: newest first, the id breaking ties. */
const newestFirst = (a: StoredEmail, b: StoredEmail): number =>
  a.receivedAt === b.receivedAt ? (a.id < b.id ? -1 : 1) : a.receivedAt < b.receivedAt ? 1 : -1;
const oldestFirst = (a: StoredEmail, b: StoredEmail): number =>
  a.receivedAt === b.receivedAt ? (a.id < b.id ? -1 : 1) : a.receivedAt < b.receivedAt ? -1 : 1;
const isUnread = (email: StoredEmail) => !email.keywords['$seen'] && !email.keywords['$draft'];

/** Each thread once, as its first email in the list's order (RFC 8621 §4.4.3 collapseThreads). */
function collapsed(emails: StoredEmail[]): StoredEmail[] {
  const seen = new Set<string>();
  return emails.filter((email) => !seen.has(email.threadId) && seen.add(email.threadId));
}

/**
 * Email/query of one mailbox reads the mailbox's rows of email_mailboxes (ADR 0053): its answers —
 * ids, positions, anchors, totals, collapsed threads, queryChanges — and the counts of Mailbox/get
 * are checked after every kind of change of membership against what Email/get says of every email.
 */
describe(EmailMethods.name, () => {
  let harness: MailboxTestApp;
  const accountId = randomUUID();
  let roles: Record<string, string>;
  let projects: string;
  let delivered: string[];

  const one = (name: string, args: Record<string, unknown>) => harness.jmapMethod(accountId, name, args);
  const ids = (answer: Record<string, unknown>) => answer['ids'] as string[];

  /** Every email of the account, as Email/get reads it from its row. */
  const allEmails = async (): Promise<StoredEmail[]> => {
    const everything = await one('Email/query', { limit: 500 });
    const got = await one('Email/get', {
      ids: ids(everything),
      properties: ['threadId', 'mailboxIds', 'keywords', 'receivedAt'],
    });
    return got['list'] as StoredEmail[];
  };

  /** The rows of email_mailboxes that mailbox_ids does not have, and those it has that the table lacks. */
  const membershipDrift = async (): Promise<unknown[]> => {
    const { rows } = await harness.db.query(
      `(SELECT 'missing' AS drift, key AS mailbox_id, id AS email_id, received_at
          FROM mailbox.emails, jsonb_each(mailbox_ids) WHERE account_id = $1 AND value = 'true'::jsonb
        EXCEPT SELECT 'missing', mailbox_id, email_id, received_at FROM mailbox.email_mailboxes WHERE account_id = $1)
       UNION ALL
       (SELECT 'extra', mailbox_id, email_id, received_at FROM mailbox.email_mailboxes WHERE account_id = $1
        EXCEPT SELECT 'extra', key, id, received_at
          FROM mailbox.emails, jsonb_each(mailbox_ids) WHERE account_id = $1 AND value = 'true'::jsonb)`,
      [accountId],
    );
    return rows;
  };

  /** Every mailbox's listings and counts agree with the emails themselves. */
  const expectQueriesAgree = async (): Promise<void> => {
    expect(await membershipDrift()).toEqual([]);
    const emails = await allEmails();
    const mailboxes = (await one('Mailbox/get', { ids: null }))['list'] as MailboxCounts[];
    for (const mailbox of mailboxes) {
      const inside = emails.filter((email) => email.mailboxIds[mailbox.id]).sort(newestFirst);
      const filter = { inMailbox: mailbox.id };
      const unread = inside.filter(isUnread);
      expect(mailbox, mailbox.id).toMatchObject({
        totalEmails: inside.length,
        unreadEmails: unread.length,
        totalThreads: new Set(inside.map((email) => email.threadId)).size,
        unreadThreads: new Set(unread.map((email) => email.threadId)).size,
      });

      for (const collapseThreads of [false, true]) {
        const expected = (collapseThreads ? collapsed(inside) : inside).map((email) => email.id);
        const query = (args: Record<string, unknown>) =>
          one('Email/query', { filter, collapseThreads, calculateTotal: true, ...args });
        const label = `${mailbox.id} collapseThreads=${collapseThreads}`;
        expect(await query({}), label).toMatchObject({ ids: expected, total: expected.length, position: 0 });
        expect(await query({ position: 1, limit: 2 }), label).toMatchObject({
          ids: expected.slice(1, 3),
          position: 1,
        });
        const fromEnd = Math.max(0, expected.length - 2);
        expect(await query({ position: -2, limit: 5 }), label).toMatchObject({
          ids: expected.slice(fromEnd),
          position: fromEnd,
        });
        if (expected.length >= 2) {
          expect(await query({ anchor: expected[1], anchorOffset: -1, limit: 2 }), label).toMatchObject({
            ids: expected.slice(0, 2),
            position: 0,
          });
        }
        const oldest = [...inside].sort(oldestFirst);
        const ascending = (collapseThreads ? collapsed(oldest) : oldest).map((email) => email.id);
        expect(ids(await query({ sort: [{ property: 'receivedAt', isAscending: true }] })), label).toEqual(
          ascending,
        );
      }

      // The mailbox with other conditions: receivedAt bounds (read from the index) and keywords.
      if (inside.length > 0) {
        const middle = [...inside].sort(oldestFirst)[Math.floor(inside.length / 2)]!.receivedAt;
        const after = await one('Email/query', {
          filter: { operator: 'AND', conditions: [{ inMailbox: mailbox.id }, { after: middle }] },
          calculateTotal: true,
        });
        const laterOnes = inside.filter((email) => email.receivedAt >= middle).map((email) => email.id);
        expect(after, mailbox.id).toMatchObject({ ids: laterOnes, total: laterOnes.length });
        const before = await one('Email/query', { filter: { inMailbox: mailbox.id, before: middle } });
        expect(ids(before)).toEqual(
          inside.filter((email) => email.receivedAt < middle).map((email) => email.id),
        );
        const unseen = await one('Email/query', { filter: { inMailbox: mailbox.id, notKeyword: '$seen' } });
        expect(ids(unseen)).toEqual(
          inside.filter((email) => !email.keywords['$seen']).map((email) => email.id),
        );
      }
    }
  };

  /** The listing of a mailbox now, and a check that queryChanges from it leads to the listing then. */
  const remember = async (mailboxId: string, collapseThreads = false) => {
    const args = { filter: { inMailbox: mailboxId }, collapseThreads };
    const before = await one('Email/query', args);
    return async (): Promise<void> => {
      const after = await one('Email/query', { ...args, calculateTotal: true });
      const changes = await one('Email/queryChanges', {
        ...args,
        sinceQueryState: before['queryState'],
        calculateTotal: true,
      });
      const removed = new Set(changes['removed'] as string[]);
      const applied = ids(before).filter((id) => !removed.has(id));
      for (const { id, index } of changes['added'] as Array<{ id: string; index: number }>) {
        applied.splice(index, 0, id);
      }
      expect(applied, `queryChanges of ${mailboxId}`).toEqual(ids(after));
      expect(changes['total']).toBe(after['total']);
      expect(changes['newQueryState']).toBe(after['queryState']);
    };
  };

  const rememberAll = async () => {
    const checks: Array<() => Promise<void>> = [];
    for (const mailboxId of [roles['inbox']!, projects])
      for (const collapse of [false, true]) checks.push(await remember(mailboxId, collapse));
    return async () => {
      for (const check of checks) await check();
    };
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    // Four threads of three messages, a minute apart, except two pairs of different threads that
    // arrive in the same second: the id decides their order.
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();
    const events = [];
    for (let thread = 0; thread < 4; thread += 1) {
      const root = `root-${thread}-${randomUUID()}@example.org`;
      for (let reply = 0; reply < 3; reply += 1) {
        const minute = thread + reply * 4;
        events.push(
          mailArrivedEvent(
            accountId,
            rawMessage({
              subject: reply === 0 ? `topic ${thread}` : `Re: topic ${thread}`,
              ...(reply === 0 ? { messageId: root } : { inReplyTo: root }),
            }),
            { receivedAt: at(minute === 9 ? 6 : minute === 11 ? 0 : minute) },
          ),
        );
      }
    }
    const store = harness.app.get(StoreDeliveryUseCase);
    delivered = [];
    for (const event of events) delivered.push(...(await store.execute([event])).changes[0]!.createdEmailIds);
    roles = mailboxIdsByRole(await one('Mailbox/get', { ids: null }));
    const created = await one('Mailbox/set', { create: { p: { name: 'Projects' } } });
    projects = (created['created'] as Record<string, { id: string }>)['p']!.id;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('lists delivered mail in each mailbox as the emails say, with exact counts', async () => {
    expect(delivered).toHaveLength(12);
    await expectQueriesAgree();
  });

  it('follows moves, mail in two mailboxes and keyword changes', async () => {
    const changed = await rememberAll();
    const inbox = roles['inbox']!;
    const answer = await one('Email/set', {
      update: {
        // Moved out of the Inbox.
        [delivered[0]!]: { mailboxIds: { [projects]: true } },
        [delivered[4]!]: { mailboxIds: { [projects]: true } },
        // In both.
        [delivered[1]!]: { [`mailboxIds/${projects}`]: true },
        [delivered[5]!]: { [`mailboxIds/${projects}`]: true, 'keywords/$seen': true },
        [delivered[6]!]: { 'keywords/$seen': true },
        // Into the Archive as well, by a whole new set of mailboxes.
        [delivered[7]!]: { mailboxIds: { [roles['archive']!]: true, [inbox]: true } },
      },
    });
    expect(answer['notUpdated']).toBeNull();
    await changed();
    await expectQueriesAgree();
  });

  it('follows destroyed emails, including one in two mailboxes', async () => {
    const changed = await rememberAll();
    const answer = await one('Email/set', { destroy: [delivered[1]!, delivered[8]!] });
    expect(answer['destroyed']).toEqual([delivered[1], delivered[8]]);
    await changed();
    await expectQueriesAgree();
  });

  it('lists a new email in every mailbox it was created in', async () => {
    const changed = await rememberAll();
    const answer = await one('Email/set', {
      create: {
        d: {
          mailboxIds: { [roles['drafts']!]: true, [projects]: true },
          keywords: { $draft: true },
          subject: 'plans',
          receivedAt: '2026-03-01T09:05:00Z',
          bodyValues: { t: { value: 'the plan' } },
          textBody: [{ partId: 't', type: 'text/plain' }],
        },
      },
    });
    expect(answer['notCreated']).toBeNull();
    await changed();
    await expectQueriesAgree();
  });

  it('removes a destroyed mailbox from every email, destroying those only it held', async () => {
    const inboxChanged = await remember(roles['inbox']!);
    const held = ids(await one('Email/query', { filter: { inMailbox: projects } }));
    expect(held.length).toBeGreaterThan(2);
    const answer = await one('Mailbox/set', { destroy: [projects], onDestroyRemoveEmails: true });
    expect(answer['destroyed']).toEqual([projects]);
    await inboxChanged();
    await expectQueriesAgree();
    const { rows } = await harness.db.query(
      'SELECT email_id FROM mailbox.email_mailboxes WHERE account_id = $1 AND mailbox_id = $2',
      [accountId, projects],
    );
    expect(rows).toEqual([]);
    // The ones also in the Inbox are still there.
    const inInbox = ids(await one('Email/query', { filter: { inMailbox: roles['inbox']! } }));
    expect(inInbox).toContain(delivered[5]);
  });
});
